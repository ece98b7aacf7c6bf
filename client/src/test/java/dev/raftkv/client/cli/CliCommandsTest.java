package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.client.fake.FakeCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CliCommandsTest {

    private final FakeCluster cluster = FakeCluster.start(3);

    @AfterEach
    void stop() {
        cluster.close();
    }

    private CliRun raftkv(String... args) {
        String[] withEndpoints = new String[args.length + 2];
        withEndpoints[0] = "--endpoints";
        withEndpoints[1] = cluster.endpoints();
        System.arraycopy(args, 0, withEndpoints, 2, args.length);
        return CliRun.run(Map.of(), withEndpoints);
    }

    @Test
    void put_then_get_prints_ok_and_the_value() {
        assertThat(raftkv("put", "greeting", "hello world")).isEqualTo(new CliRun(0, "OK\n", ""));
        assertThat(raftkv("put", "greeting", "hi")).isEqualTo(new CliRun(0, "OK (replaced \"hello world\")\n", ""));
        assertThat(raftkv("get", "greeting")).isEqualTo(new CliRun(0, "hi\n", ""));
        assertThat(raftkv("get", "--consistency", "serializable", "greeting")).isEqualTo(new CliRun(0, "hi\n", ""));
    }

    @Test
    void text_that_looks_like_hex_and_binary_values_print_differently() {
        raftkv("put", "text", "0x0041");
        raftkv("put", "quoted", "\"hi\"");
        try (var client = dev.raftkv.client.RaftKvClient.create(cluster.endpoints())) {
            client.blocking().put(ByteString.copyFromUtf8("binary"), ByteString.copyFrom(new byte[] {0, 0x41}));
        }

        assertThat(raftkv("get", "text").out()).isEqualTo("\"0x0041\"\n");
        assertThat(raftkv("get", "binary").out()).isEqualTo("0x0041\n");
        assertThat(raftkv("get", "quoted").out()).isEqualTo("\"\\\"hi\\\"\"\n");
        assertThat(raftkv("scan", "--prefix", "t").out()).isEqualTo("text\t\"0x0041\"\n");
    }

    @Test
    void a_timeout_of_zero_or_less_is_a_usage_error() {
        for (String option : new String[] {"--timeout", "--call-timeout"}) {
            CliRun run = raftkv(option, "0s", "get", "k");

            assertThat(run.exitCode()).as(option).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains("'0s' is not a positive duration");
        }
        assertThat(raftkv("--timeout", "-1s", "get", "k").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(raftkv("member", "list", "--admin-timeout", "0s").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void get_of_an_absent_key_exits_1_with_a_message() {
        assertThat(raftkv("get", "nope")).isEqualTo(new CliRun(ExitCodes.NOT_FOUND, "", "not found: \"nope\"\n"));
    }

    @Test
    void delete_tells_whether_the_key_existed() {
        raftkv("put", "k", "v");

        assertThat(raftkv("delete", "k")).isEqualTo(new CliRun(0, "deleted (was \"v\")\n", ""));
        assertThat(raftkv("delete", "k")).isEqualTo(new CliRun(0, "not found (nothing deleted)\n", ""));
    }

    @Test
    void add_prints_the_new_number_and_accepts_negative_deltas() {
        assertThat(raftkv("add", "n", "10").out()).isEqualTo("10\n");
        assertThat(raftkv("add", "n", "-3").out()).isEqualTo("7\n");
    }

    @Test
    void add_on_text_exits_3() {
        raftkv("put", "k", "text");

        CliRun run = raftkv("add", "k", "1");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.REJECTED);
        assertThat(run.err()).startsWith("error: ");
    }

    @Test
    void cas_sets_when_the_expectation_holds_and_reports_the_current_value_when_not() {
        assertThat(raftkv("cas", "k", "v1", "--expect-absent")).isEqualTo(new CliRun(0, "OK\n", ""));
        assertThat(raftkv("cas", "k", "v2", "--expect", "v1")).isEqualTo(new CliRun(0, "OK\n", ""));
        assertThat(raftkv("cas", "k", "v3", "--expect", "v1"))
                .isEqualTo(new CliRun(ExitCodes.REJECTED, "", "CAS mismatch: current value is \"v2\"\n"));
        assertThat(raftkv("cas", "other", "v", "--expect", "x"))
                .isEqualTo(new CliRun(ExitCodes.REJECTED, "", "CAS mismatch: the key is absent\n"));
        assertThat(cluster.store().get(ByteString.copyFromUtf8("k"))).isEqualTo(ByteString.copyFromUtf8("v2"));
    }

    @Test
    void cas_needs_exactly_one_expectation() {
        assertThat(raftkv("cas", "k", "v").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(raftkv("cas", "k", "v", "--expect", "a", "--expect-absent").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void scan_prints_pairs_in_key_order_across_pages_and_says_when_the_limit_cut_it() {
        for (String key : new String[] {"user/3", "user/1", "user/2", "zeta", "alpha"}) {
            raftkv("put", key, key.toUpperCase());
        }

        assertThat(raftkv("scan", "--prefix", "user/", "--page-size", "2"))
                .isEqualTo(new CliRun(0, "user/1\tUSER/1\nuser/2\tUSER/2\nuser/3\tUSER/3\n", ""));
        assertThat(raftkv("scan", "--from", "b", "--to", "user/2").out()).isEqualTo("user/1\tUSER/1\n");
        assertThat(raftkv("scan", "--limit", "2")).isEqualTo(new CliRun(0, "alpha\tALPHA\nuser/1\tUSER/1\n",
                "(stopped after --limit 2 pairs; more keys follow)\n"));
    }

    @Test
    void status_prints_one_row_per_node_with_the_leader() {
        cluster.leader("n2");

        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.address("n1"), "status");

        assertThat(run.exitCode()).isZero();
        String[] lines = run.out().split("\n");
        assertThat(lines[0]).startsWith("NODE").contains("ROLE", "LEADER", "COMMIT", "APPLIED");
        assertThat(lines).hasSize(4);
        assertThat(run.out()).contains(cluster.address("n1"), cluster.address("n2"), cluster.address("n3"));
        assertThat(lines[1]).startsWith("n1").contains("FOLLOWER").contains(" n2 ");
        assertThat(run.out()).containsPattern("n2 +" + cluster.address("n2").replace(".", "\\.") + " +LEADER");
    }

    @Test
    void endpoints_come_from_the_environment_when_not_given() {
        CliRun run = CliRun.run(Map.of(RaftKvCli.ENDPOINTS_VARIABLE, cluster.endpoints()), "put", "k", "v");

        assertThat(run).isEqualTo(new CliRun(0, "OK\n", ""));
    }

    @Test
    void an_invalid_argument_exits_4_with_the_server_message() {
        assertThat(raftkv("put", "", "v")).isEqualTo(new CliRun(ExitCodes.INVALID_ARGUMENT, "", "error: key: must not be empty\n"));
    }

    @Test
    void an_unreachable_cluster_exits_5() {
        String endpoints = cluster.endpoints();
        cluster.close();

        CliRun get = CliRun.run(Map.of(), "--endpoints", endpoints, "--timeout", "300ms", "get", "k");
        CliRun status = CliRun.run(Map.of(), "--endpoints", endpoints, "--timeout", "300ms", "status");

        assertThat(get.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(get.err()).startsWith("error: Get got no final answer");
        assertThat(status.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(status.out()).contains("unreachable");
    }

    @Test
    void usage_errors_exit_2() {
        assertThat(raftkv("frobnicate").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(raftkv("put").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(raftkv("add", "k", "not-a-number").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run(Map.of(), "--endpoints", "nohostport", "get", "k").exitCode()).isEqualTo(ExitCodes.ERROR);
    }

    @Test
    void help_lists_every_command() {
        CliRun run = CliRun.run(Map.of(), "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("put", "get", "delete", "add", "cas", "scan", "status", "bench", "Exit codes");
    }
}
