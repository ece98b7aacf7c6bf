package dev.raftkv.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The side-by-side table in Markdown: one row per workload, clients and system, with the
 * ratios of throughput and of server CPU per operation to the baseline's row of the same
 * workload and clients ({@code —} in the baseline's own rows and where it has no row).
 */
final class MarkdownTable {

    /** The columns, in order. */
    static final List<String> COLUMNS = List.of("workload", "clients", "system", "ops/s", "p50 ms", "p99 ms", "p999 ms",
            "errors", "ops/s ratio", "server CPU ms / 1,000 ops", "CPU ratio");
    static final String NONE = "—";

    private MarkdownTable() {
    }

    /** The table's lines: header, alignment row, then the rows. */
    static List<String> render(Results results) {
        List<String> lines = new ArrayList<>();
        lines.add("| " + String.join(" | ", COLUMNS) + " |");
        lines.add("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        String baseline = results.baseline();
        for (Workload workload : results.workloads()) {
            for (int clients : results.clients()) {
                Optional<Point> base = results.find(baseline, workload, clients);
                for (String system : results.systems()) {
                    Optional<Point> found = results.find(system, workload, clients);
                    if (found.isEmpty()) {
                        continue;
                    }
                    Point point = found.get();
                    boolean compared = !system.equals(baseline) && base.isPresent();
                    lines.add("| " + String.join(" | ", workload.title(), Integer.toString(clients), system,
                            String.format(Locale.ROOT, "%,.0f", point.opsPerSecond()), millis(point.p50Millis()),
                            millis(point.p99Millis()), millis(point.p999Millis()), Long.toString(point.errors()),
                            compared ? ratio(point.opsPerSecond(), base.get().opsPerSecond()) : NONE,
                            cpu(point.cpuMillisPer1000Ops()),
                            compared ? ratio(point.cpuMillisPer1000Ops(), base.get().cpuMillisPer1000Ops()) : NONE)
                            + " |");
                }
            }
        }
        return lines;
    }

    private static String millis(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String cpu(double millis) {
        return Double.isNaN(millis) ? NONE : String.format(Locale.ROOT, "%,.0f", millis);
    }

    private static String ratio(double value, double baseline) {
        if (Double.isNaN(value) || Double.isNaN(baseline) || baseline == 0) {
            return NONE;
        }
        return String.format(Locale.ROOT, "%.2f", value / baseline);
    }
}
