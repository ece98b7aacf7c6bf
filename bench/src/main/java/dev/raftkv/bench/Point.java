package dev.raftkv.bench;

import java.util.List;
import java.util.Locale;

/**
 * One measured point: a system under one workload with a number of clients, and what the
 * servers spent on it. One line of a result file: tab-separated, in the order of the
 * components ({@link #toLine()}, {@link #parse(String)}).
 *
 * @param system the system's label in the table, e.g. {@code etcd 3.4.23} or {@code raftkv RocksDB unary}
 * @param workload what the clients did
 * @param clients closed-loop clients (operations in flight)
 * @param ops operations that succeeded in the measured window
 * @param elapsedSeconds length of the measured window
 * @param p50Millis latency percentiles of the successful operations, in milliseconds
 * @param p99Millis see above
 * @param p999Millis see above
 * @param errors operations that failed
 * @param serverCpuMillis user + system CPU time of all the system's server processes over the window
 */
record Point(String system, Workload workload, int clients, long ops, double elapsedSeconds, double p50Millis,
             double p99Millis, double p999Millis, long errors, double serverCpuMillis) {

    private static final int FIELDS = 10;

    Point {
        if (system.isBlank() || system.contains("\t") || system.contains("\n")) {
            throw new IllegalArgumentException("a system label must be one line without tabs: '" + system + "'");
        }
    }

    double opsPerSecond() {
        return elapsedSeconds <= 0 ? 0 : ops / elapsedSeconds;
    }

    /** Server CPU per 1,000 successful operations, in milliseconds; NaN without operations. */
    double cpuMillisPer1000Ops() {
        return ops == 0 ? Double.NaN : serverCpuMillis * 1000 / ops;
    }

    String toLine() {
        return String.join("\t", system, workload.id(), Integer.toString(clients), Long.toString(ops),
                number(elapsedSeconds), number(p50Millis), number(p99Millis), number(p999Millis), Long.toString(errors),
                number(serverCpuMillis));
    }

    /** @throws IllegalArgumentException naming the field that does not parse */
    static Point parse(String line) {
        List<String> fields = List.of(line.split("\t", -1));
        if (fields.size() != FIELDS) {
            throw new IllegalArgumentException("a result line has " + FIELDS + " tab-separated fields, this one "
                    + fields.size() + ": '" + line + "'");
        }
        try {
            return new Point(fields.get(0), Workload.ofId(fields.get(1)), Integer.parseInt(fields.get(2)),
                    Long.parseLong(fields.get(3)), Double.parseDouble(fields.get(4)), Double.parseDouble(fields.get(5)),
                    Double.parseDouble(fields.get(6)), Double.parseDouble(fields.get(7)), Long.parseLong(fields.get(8)),
                    Double.parseDouble(fields.get(9)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a number in the result line '" + line + "' does not parse: "
                    + e.getMessage(), e);
        }
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
