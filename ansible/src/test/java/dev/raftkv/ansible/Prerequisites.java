package dev.raftkv.ansible;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * What the Ansible tests need. Outside CI a missing tool skips the test with a message that
 * says how to install it; under CI (CI=true, where .ci/run installs the tools) it fails.
 */
final class Prerequisites {

    static final String INSTALL_HINT = "apt-get install -y ansible-core ansible-lint yamllint";

    private Prerequisites() {
    }

    static void requireTools(String... programs) {
        List<String> missing = java.util.Arrays.stream(programs).filter(p -> !Commands.onPath(p)).toList();
        if (missing.isEmpty()) {
            return;
        }
        String message = "not on the PATH: " + String.join(", ", missing) + " (install with: " + INSTALL_HINT + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI must provide the Ansible tools (.ci/run installs them); " + message);
        }
        Assumptions.abort("SKIPPED: " + message);
    }

    static Path ansibleDir() {
        return Path.of(System.getProperty("raftkv.ansible.dir", ".")).toAbsolutePath().normalize();
    }

    static Path workDir() {
        return Path.of(System.getProperty("raftkv.it.dir", "target/ansible-it")).toAbsolutePath().normalize();
    }

    /** The Liberty package built by the liberty module; its absence is a build error, not a skip. */
    static Path libertyPackage() {
        Path zip = Path.of(System.getProperty("raftkv.liberty.package", "../liberty/target/raftkv-liberty.zip"))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(zip)) {
            fail("the Liberty package " + zip + " is missing: build it with `mvn -B package -pl liberty -am`"
                    + " (mvn -B verify builds it before this module)");
        }
        return zip;
    }
}
