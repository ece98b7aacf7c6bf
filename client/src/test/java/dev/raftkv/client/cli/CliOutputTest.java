package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.client.fake.FakeCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code -w json}, values from standard input or a file, and {@code --help} on every command. */
class CliOutputTest {

    private final FakeCluster cluster = FakeCluster.start(1);

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        cluster.close();
    }

    private String[] withEndpoints(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--endpoints";
        all[1] = cluster.endpoints();
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    private CliRun raftkv(String... args) {
        return CliRun.run(Map.of(), withEndpoints(args));
    }

    @Test
    void json_output_of_the_key_value_commands_is_one_stable_line_each() {
        assertThat(raftkv("-w", "json", "put", "k", "v1").out())
                .isEqualTo("{\"key\":\"k\",\"keyBase64\":\"aw==\",\"replaced\":false}\n");
        assertThat(raftkv("-w", "json", "put", "k", "v2").out()).isEqualTo(
                "{\"key\":\"k\",\"keyBase64\":\"aw==\",\"replaced\":true,\"previousValue\":\"v1\","
                        + "\"previousValueBase64\":\"djE=\"}\n");
        assertThat(raftkv("--write-out", "json", "get", "k").out()).isEqualTo(
                "{\"key\":\"k\",\"keyBase64\":\"aw==\",\"found\":true,\"value\":\"v2\",\"valueBase64\":\"djI=\"}\n");
        CliRun absent = raftkv("-w", "json", "get", "nope");
        assertThat(absent.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(absent.out()).isEqualTo("{\"key\":\"nope\",\"keyBase64\":\"bm9wZQ==\",\"found\":false}\n");
        assertThat(raftkv("-w", "json", "add", "n", "5").out())
                .isEqualTo("{\"key\":\"n\",\"keyBase64\":\"bg==\",\"value\":5}\n");
        CliRun mismatch = raftkv("-w", "json", "cas", "k", "v3", "--expect", "v1");
        assertThat(mismatch.exitCode()).isEqualTo(ExitCodes.REJECTED);
        assertThat(mismatch.out()).isEqualTo("{\"key\":\"k\",\"keyBase64\":\"aw==\",\"swapped\":false,\"found\":true,"
                + "\"currentValue\":\"v2\",\"currentValueBase64\":\"djI=\"}\n");
        assertThat(raftkv("-w", "json", "cas", "k", "v3", "--expect", "v2").out())
                .isEqualTo("{\"key\":\"k\",\"keyBase64\":\"aw==\",\"swapped\":true}\n");
        assertThat(raftkv("-w", "json", "scan", "--prefix", "k").out()).isEqualTo(
                "[{\"key\":\"k\",\"keyBase64\":\"aw==\",\"value\":\"v3\",\"valueBase64\":\"djM=\"}]\n");
        assertThat(raftkv("-w", "json", "delete", "k").out()).isEqualTo(
                "{\"key\":\"k\",\"keyBase64\":\"aw==\",\"deleted\":true,\"previousValue\":\"v3\","
                        + "\"previousValueBase64\":\"djM=\"}\n");
    }

    @Test
    void a_value_that_is_not_utf8_is_null_as_text_and_exact_in_base64() {
        byte[] binary = {(byte) 0xff, 0, 0x41};
        assertThat(CliRun.runWithInput(binary, Map.of(), withEndpoints("put", "bin")).exitCode()).isZero();

        assertThat(raftkv("-w", "json", "get", "bin").out()).contains("\"value\":null,\"valueBase64\":\"/wBB\"");
    }

    @Test
    void values_come_from_standard_input_or_a_file_as_they_are() throws Exception {
        byte[] big = "0123456789abcdef".repeat(20_000).getBytes(StandardCharsets.UTF_8);
        assertThat(CliRun.runWithInput(big, Map.of(), withEndpoints("put", "from-stdin")))
                .isEqualTo(new CliRun(0, "OK\n", ""));
        Path file = dir.resolve("value.txt");
        Files.write(file, "from a file".getBytes(StandardCharsets.UTF_8));
        assertThat(raftkv("put", "from-file", "--value-file", file.toString()).exitCode()).isZero();

        assertThat(raftkv("get", "from-stdin").out()).isEqualTo(new String(big, StandardCharsets.UTF_8) + "\n");
        assertThat(raftkv("get", "from-file").out()).isEqualTo("from a file\n");
        CliRun missing = raftkv("put", "k", "--value-file", dir.resolve("absent").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(missing.err()).contains("--value-file", "no such file");
        assertThat(raftkv("put", "k", "v", "--value-file", file.toString()).err()).contains("not both");
    }

    @Test
    void every_command_and_subcommand_takes_help_and_lists_the_exit_codes() {
        String[][] commands = {{"get"}, {"put"}, {"delete"}, {"add"}, {"cas"}, {"scan"}, {"status"}, {"bench"},
            {"member"}, {"member", "list"}, {"member", "add"}, {"member", "remove"}, {"member", "promote"},
            {"snapshot"}, {"snapshot", "take"}, {"snapshot", "list"}, {"snapshot", "download"}, {"snapshot", "restore"}, {"leader"}};
        for (String[] command : commands) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 1);
            args[command.length] = "--help";
            CliRun help = CliRun.run(Map.of(), args);

            assertThat(help.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(help.out()).as(String.join(" ", args))
                    .startsWith("Usage: raftkv " + String.join(" ", command))
                    .contains("Exit codes:", "6 outcome unknown");
        }
    }
}
