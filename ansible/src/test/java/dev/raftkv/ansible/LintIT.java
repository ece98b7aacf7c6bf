package dev.raftkv.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Ansible tree passes yamllint and ansible-lint's production profile. */
class LintIT {

    private final Path ansibleDir = Prerequisites.ansibleDir();
    private final Path logs = Prerequisites.workDir().resolve("logs");

    @Test
    void yamllint_is_clean() throws Exception {
        Prerequisites.requireTools("yamllint");
        Commands.Result result = Commands.run(List.of("yamllint", "--strict", "."), ansibleDir, Map.of(),
                logs.resolve("yamllint.log"), Duration.ofMinutes(2));
        assertThat(result.exitCode()).as("yamllint --strict:\n%s", result.output()).isZero();
    }

    @Test
    void ansible_lint_production_profile_is_clean() throws Exception {
        Prerequisites.requireTools("ansible-lint", "ansible-playbook");
        Commands.Result result = Commands.run(List.of("ansible-lint", "--offline", "--profile", "production", "--nocolor"),
                ansibleDir, Map.of("ANSIBLE_CONFIG", ansibleDir.resolve("ansible.cfg").toString()),
                logs.resolve("ansible-lint.log"), Duration.ofMinutes(5));
        assertThat(result.exitCode()).as("ansible-lint --profile production:\n%s", result.output()).isZero();
    }
}
