package dev.raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownTableTest {

    private static Point point(String system, Workload workload, int clients, long ops, double cpuMillis) {
        return new Point(system, workload, clients, ops, 2.0, 1.5, 7.25, 12.0, 3, cpuMillis);
    }

    @Test
    void rows_compare_each_system_with_the_first_measured_at_the_same_workload_and_clients() {
        Results results = new Results(List.of(point("etcd", Workload.PUT, 64, 10_000, 4_000),
                point("etcd", Workload.PUT, 1, 800, 600), point("raftkv", Workload.PUT, 64, 25_000, 5_000),
                point("raftkv", Workload.PUT, 1, 400, 400)));

        assertThat(MarkdownTable.render(results)).containsExactly(
                "| workload | clients | system | ops/s | p50 ms | p99 ms | p999 ms | errors | ops/s ratio"
                        + " | server CPU ms / 1,000 ops | CPU ratio |",
                "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                "| put | 1 | etcd | 400 | 1.50 | 7.25 | 12.00 | 3 | — | 750 | — |",
                "| put | 1 | raftkv | 200 | 1.50 | 7.25 | 12.00 | 3 | 0.50 | 1,000 | 1.33 |",
                "| put | 64 | etcd | 5,000 | 1.50 | 7.25 | 12.00 | 3 | — | 400 | — |",
                "| put | 64 | raftkv | 12,500 | 1.50 | 7.25 | 12.00 | 3 | 2.50 | 200 | 0.50 |");
    }

    @Test
    void a_point_without_its_baseline_or_without_operations_has_no_ratio() {
        Results results = new Results(List.of(point("etcd", Workload.GET, 16, 1_000, 100),
                point("raftkv", Workload.GET, 16, 0, 50), point("raftkv", Workload.MIX, 16, 100, 50)));

        assertThat(MarkdownTable.render(results)).contains(
                "| linearizable get | 16 | raftkv | 0 | 1.50 | 7.25 | 12.00 | 3 | 0.00 | — | — |",
                "| 90/10 get/put | 16 | raftkv | 50 | 1.50 | 7.25 | 12.00 | 3 | — | 500 | — |");
    }

    @Test
    void a_result_line_reads_back_as_the_point_it_was_written_from() {
        Point point = new Point("raftkv RocksDB unary", Workload.MIX, 256, 123_456, 10.002, 0.5, 9.875, 31.0, 7, 12_345.5);

        assertThat(Point.parse(point.toLine())).isEqualTo(point);
        assertThatThrownBy(() -> Point.parse("etcd\tput\t1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 tab-separated fields, this one 3");
        assertThatThrownBy(() -> Point.parse(point.toLine().replace("mix", "scan")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown workload 'scan'");
    }
}
