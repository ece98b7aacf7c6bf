package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code raftkv} command run as its own process, as a user runs it ({@link RaftKvCli#main}). */
class CliProcessTest {

    @TempDir
    Path dir;

    @Test
    void when_no_endpoint_resolves_then_stderr_holds_one_clear_error_line() throws Exception {
        // An empty hosts file instead of the system resolver: no name resolves, and no DNS query leaves the machine.
        Path hosts = Files.writeString(dir.resolve("hosts"), "");
        Path err = dir.resolve("err.txt");
        Path out = dir.resolve("out.txt");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(List.of(java, "-Djdk.net.hosts.file=" + hosts,
                "-cp", System.getProperty("java.class.path"), RaftKvCli.class.getName(),
                "--endpoints", "nosuchhost.invalid:9001", "--timeout", "2s", "get", "k"))
                .redirectError(err.toFile()).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the CLI ended").isTrue();

        List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(lines).singleElement().asString().startsWith("error: Get got no final answer")
                .contains("Unable to resolve host nosuchhost.invalid");
        assertThat(out).isEmptyFile();
    }
}
