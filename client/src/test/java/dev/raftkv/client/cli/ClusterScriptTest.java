package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.client.Endpoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/cluster}'s answers that start no server: run from a copy in a temporary
 * checkout, so its state directory is empty and nothing of a real local cluster is touched.
 */
class ClusterScriptTest {

    @TempDir
    Path checkout;

    private Path script;

    /** One run: exit code, stdout, stderr. */
    private record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void copyScript() throws IOException {
        script = checkout.resolve("scripts/cluster");
        Files.createDirectories(script.getParent());
        Files.copy(Path.of("..", "scripts", "cluster"), script);
    }

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        Path out = checkout.resolve("out.txt");
        Path err = checkout.resolve("err.txt");
        Process process = new ProcessBuilder(command).directory(checkout.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("scripts/cluster " + String.join(" ", args) + " still ran after 30 s");
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void when_asked_for_help_then_it_prints_a_usage_text_and_exits_0() throws Exception {
        Run help = run("--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).startsWith("usage: scripts/cluster COMMAND")
                .contains("kill N", "restart N [--no-wait]", "logs N", "up [--nodes N]", "add-node",
                        "remove-node N", "monitor")
                .doesNotContain("set -euo", "root=", "#");
        assertThat(run("-h").out()).isEqualTo(help.out());
    }

    @Test
    void when_the_command_is_unknown_then_the_usage_goes_to_stderr_with_exit_2() throws Exception {
        Run bogus = run("frobnicate");

        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.out()).isEmpty();
        assertThat(bogus.err()).startsWith("usage: scripts/cluster COMMAND");
    }

    @Test
    void when_killing_a_node_that_does_not_exist_then_it_says_so_and_exits_2() throws Exception {
        Run kill = run("kill", "7");

        assertThat(kill.exitCode()).isEqualTo(2);
        assertThat(kill.err()).isEqualTo("scripts/cluster: there is no node 7; the cluster has nodes 1..3\n");
        assertThat(run("kill", "two").err()).contains("'two' is not a node number");
        assertThat(run("restart", "0").exitCode()).isEqualTo(2);
        assertThat(run("logs", "4").exitCode()).isEqualTo(2);
        assertThat(run("restart", "9", "--no-wait").err()).contains("there is no node 9");
        assertThat(run("remove-node", "4").err()).contains("there is no node 4");
        assertThat(run("remove-node").exitCode()).isEqualTo(2);
        assertThat(run("add-node", "extra").exitCode()).isEqualTo(2);
    }

    @Test
    void when_killing_a_node_that_is_not_running_then_it_says_so_and_fails() throws Exception {
        Run kill = run("kill", "2");

        assertThat(kill.exitCode()).isEqualTo(1);
        assertThat(kill.err()).contains("n2 is not running");
    }

    @Test
    void adding_a_node_needs_a_running_cluster() throws Exception {
        Run add = run("add-node");

        assertThat(add.exitCode()).isEqualTo(1);
        assertThat(add.err()).isEqualTo("scripts/cluster: no node is running: start the cluster first (scripts/cluster up)\n");
    }

    @Test
    void the_cli_defaults_are_the_local_cluster_that_the_script_describes() throws Exception {
        Run env = run("env");

        assertThat(env.exitCode()).isZero();
        assertThat(env.out()).contains("export RAFTKV_ADMIN_URL=" + AdminApi.DEFAULT_URL + "\n")
                .contains("export RAFTKV_ENDPOINTS=" + Endpoints.DEFAULT + "\n")
                .contains("export RAFTKV_ADMIN_USER=admin\n")
                .containsPattern("export RAFTKV_ADMIN_PASSWORD=[0-9a-f]{24}\n");
    }
}
