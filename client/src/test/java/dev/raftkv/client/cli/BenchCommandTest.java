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
                + " target leader, warm-up 0s, duration 60s, at most 300 ops\n");
        assertThat(run.out()).contains("--- summary\n", "total ops       300\n", "throughput ", " ops/s\n",
                "latency p50 ", "latency p90 ", "latency p99 ", "latency p999 ", "latency max ", "errors          0\n");
        assertThat(cluster.received("Put").size() + cluster.received("Get").size()).isEqualTo(300);
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
