package dev.raftkv.client.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The measured phase of a bench run.
 *
 * @param ops operations that succeeded
 * @param elapsedNanos length of the measured phase
 * @param latencyMicros latency of the successful operations, in microseconds
 * @param errorsByKind failed operations by kind (exception class, plus status code for plain failures)
 */
public record BenchReport(long ops, long elapsedNanos, Histogram latencyMicros, Map<String, Long> errorsByKind) {

    public BenchReport {
        errorsByKind = Map.copyOf(errorsByKind);
    }

    /** Failed operations of every kind. */
    public long errors() {
        return errorsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Successful operations per second of the measured phase. */
    public double opsPerSecond() {
        return elapsedNanos == 0 ? 0 : ops * 1e9 / elapsedNanos;
    }

    void print(PrintWriter out, String title) {
        out.println("--- " + title);
        out.printf(Locale.ROOT, "total ops       %d%n", ops);
        out.printf(Locale.ROOT, "duration        %.2f s%n", elapsedNanos / 1e9);
        out.printf(Locale.ROOT, "throughput      %.1f ops/s%n", opsPerSecond());
        for (double percentile : new double[] {50, 90, 99, 99.9}) {
            out.printf(Locale.ROOT, "latency %-7s %s%n", "p" + (percentile == 99.9 ? "999" : Integer.toString((int) percentile)),
                    millis(latencyMicros.getValueAtPercentile(percentile)));
        }
        out.printf(Locale.ROOT, "latency max     %s%n", millis(latencyMicros.getMaxValue()));
        out.printf(Locale.ROOT, "errors          %d%n", errors());
        new TreeMap<>(errorsByKind).forEach((kind, count) -> out.printf(Locale.ROOT, "  %-30s %d%n", kind, count));
        out.flush();
    }

    static String millis(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }
}
