package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Received;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private final FakeCluster cluster = FakeCluster.start(3);

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void a_bounded_run_prints_the_summary_with_throughput_percentiles_and_errors() {
        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "bench",
                "--ops", "300", "--duration", "60s", "--warmup", "0s", "--concurrency", "4",
                "--keys", "50", "--value-size", "16", "--read-percent", "30", "--seed", "42");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("bench: 4 in flight, 30% reads (LINEARIZABLE), 16-byte values, 50 keys,"
                + " target leader, pipelined, warm-up 0s, duration 60s, at most 300 ops\n");
        assertThat(run.out()).contains("--- summary\n", "total ops       300\n", "throughput ", " ops/s\n",
                "latency p50 ", "latency p90 ", "latency p99 ", "latency p999 ", "latency max ", "errors          0\n");
        assertThat(cluster.received("Put").size() + cluster.received("Get").size()).isEqualTo(300);
        assertThat(cluster.pipelineStreams()).isPositive();
    }

    @Test
    void with_unary_every_request_is_its_own_call() {
        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "--unary", "bench",
                "--ops", "50", "--warmup", "0s", "--concurrency", "4", "--read-percent", "50");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("target leader, unary calls,", "total ops       50\n");
        assertThat(cluster.pipelineStreams()).isZero();
    }

    @Test
    void sequential_keys_load_each_key_once() {
        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "bench", "--sequential",
                "--ops", "40", "--keys", "40", "--warmup", "0s", "--concurrency", "4", "--read-percent", "0");

        assertThat(run.exitCode()).isZero();
        assertThat(cluster.store().size()).isEqualTo(40);
    }

    @Test
    void bench_keys_are_bench_and_ten_digits() {
        for (int index : new int[] {0, 7, 42, 99_999, 1_234_567_890, Integer.MAX_VALUE}) {
            assertThat(BenchRun.key(index).toStringUtf8()).isEqualTo(String.format("bench-%010d", index));
        }
    }

    @Test
    void errors_are_counted_by_kind() {
        cluster.blackhole("Get");

        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "--timeout", "300ms",
                "--call-timeout", "100ms", "bench", "--ops", "4", "--duration", "60s", "--warmup", "0s",
                "--concurrency", "2", "--read-percent", "100");

        assertThat(run.out()).contains("total ops       0\n", "errors          4\n", "UnavailableException");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    }

    @Test
    void target_all_spreads_requests_over_every_node() {
        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "bench",
                "--ops", "60", "--warmup", "0s", "--read-percent", "100", "--target", "all", "--concurrency", "3");

        assertThat(run.exitCode()).isZero();
        assertThat(cluster.received("Get")).extracting(Received::nodeId).contains("n1", "n2", "n3");
    }

    @Test
    void a_run_bounded_by_time_prints_progress_lines() {
        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "bench",
                "--duration", "2s", "--warmup", "1s", "--concurrency", "2", "--read-percent", "50");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).containsPattern("\\[ +\\d+s\\] +[0-9.]+ ops/s  p99 [0-9.]+ ms  errors 0");
        assertThat(run.out()).contains("--- summary");
    }

    @Test
    void bad_options_are_refused() {
        CliRun run = CliRun.run(Map.of(), "--endpoints", cluster.endpoints(), "bench", "--read-percent", "150");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(run.err()).contains("--read-percent must be within 0..100");
    }
}
