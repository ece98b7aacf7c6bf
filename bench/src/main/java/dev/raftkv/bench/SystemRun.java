package dev.raftkv.bench;

import dev.raftkv.client.cli.BenchOptions;
import dev.raftkv.client.cli.BenchReport;
import dev.raftkv.client.cli.BenchRun;
import dev.raftkv.client.cli.BenchTarget;
import dev.raftkv.proto.Consistency;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Measures one system over the grid of workloads × clients, the same way for every system:
 * <ol>
 *   <li>preload: each of the {@code keys} keys written once, in order, by 64 clients (so gets find
 *       their key), unless the keys are there already;</li>
 *   <li>prime: {@code prime} of 64 clients doing 50/50 gets and puts, unmeasured (a JVM compiles
 *       its hot paths in the first minute of load, as a long-running server would have);</li>
 *   <li>per point: {@code warmup} of the point's own load, unmeasured, then {@code duration} measured,
 *       with the servers' CPU time read just before and just after the measured run.</li>
 * </ol>
 * Every run is bounded in time and in count ({@value #MAX_OPS_PER_SECOND} operations per second
 * of its duration, far beyond what a 2-core machine does). Blocks the calling thread.
 */
final class SystemRun {

    /** The clients of the preload and prime phases. */
    static final int SETUP_CLIENTS = 64;
    /** A count bound for every run: this many operations per second of its length. */
    static final long MAX_OPS_PER_SECOND = 200_000;
    /** How long the preload may take at most. */
    static final Duration PRELOAD_LIMIT = Duration.ofMinutes(5);

    /**
     * What to run.
     *
     * @param system the system's label in the table
     * @param workloads in this order
     * @param clients for each workload, in this order
     * @param keys key space ({@code bench-0000000000} ...)
     * @param valueSizeBytes size of every written value
     * @param preload whether to write every key first
     * @param prime length of the unmeasured prime phase; zero for none
     * @param warmup unmeasured time before each point
     * @param duration measured time of each point
     * @param seed of key and operation choice
     */
    record Plan(String system, List<Workload> workloads, List<Integer> clients, int keys, int valueSizeBytes,
                boolean preload, Duration prime, Duration warmup, Duration duration, long seed) {

        Plan {
            Objects.requireNonNull(system, "system");
            workloads = List.copyOf(workloads);
            clients = List.copyOf(clients);
            if (workloads.isEmpty() || clients.isEmpty()) {
                throw new IllegalArgumentException("at least one workload and one number of clients are needed");
            }
            if (prime.isNegative() || warmup.isNegative()) {
                throw new IllegalArgumentException("prime and warm-up must not be negative");
            }
        }
    }

    private final BenchTarget target;
    private final ProcessCpu serverCpu;
    private final PrintWriter progress;

    /**
     * @param target the system's API
     * @param serverCpu the system's server processes
     * @param progress where the runs' progress lines go
     */
    SystemRun(BenchTarget target, ProcessCpu serverCpu, PrintWriter progress) {
        this.target = target;
        this.serverCpu = serverCpu;
        this.progress = progress;
    }

    /**
     * Runs the plan; hands each point to {@code measured} as soon as it is measured and returns all.
     *
     * @throws IllegalStateException when a run is left with operations that never complete
     * @throws java.io.UncheckedIOException when a server process is gone
     */
    List<Point> run(Plan plan, Consumer<Point> measured) throws InterruptedException {
        if (plan.preload()) {
            BenchReport loaded = phase("preload: " + plan.keys() + " keys", new BenchOptions(SETUP_CLIENTS,
                    plan.valueSizeBytes(), plan.keys(), PRELOAD_LIMIT, plan.keys(), 0, Consistency.LINEARIZABLE,
                    Duration.ZERO, plan.seed(), true));
            if (loaded.ops() < plan.keys()) {
                progress.printf(Locale.ROOT, "warning: the preload wrote %d of %d keys (%d errors)%n", loaded.ops(),
                        plan.keys(), loaded.errors());
            }
        }
        if (!plan.prime().isZero()) {
            phase("prime", options(plan, SETUP_CLIENTS, 50, plan.prime(), plan.seed() + 1));
        }
        List<Point> points = new ArrayList<>();
        for (Workload workload : plan.workloads()) {
            for (int clients : plan.clients()) {
                String name = plan.system() + ", " + workload.title() + ", " + clients + " clients";
                if (!plan.warmup().isZero()) {
                    phase(name + ": warm-up", options(plan, clients, workload.readPercent(), plan.warmup(), plan.seed() + 2));
                }
                progress.println("--- " + name + ": measured");
                progress.flush();
                double cpuBefore = serverCpu.millis();
                BenchReport report = new BenchRun(target, options(plan, clients, workload.readPercent(), plan.duration(),
                        plan.seed() + 3), progress).run();
                double cpuAfter = serverCpu.millis();
                Histogram latency = report.latencyMicros();
                Point point = new Point(plan.system(), workload, clients, report.ops(), report.elapsedNanos() / 1e9,
                        latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                        latency.getValueAtPercentile(99.9) / 1000.0, report.errors(), cpuAfter - cpuBefore);
                progress.printf(Locale.ROOT, "=== %s: %.0f ops/s, p50 %.2f ms, p99 %.2f ms, p999 %.2f ms, %d errors %s,"
                                + " server CPU %.0f ms per 1,000 ops%n", name, point.opsPerSecond(), point.p50Millis(),
                        point.p99Millis(), point.p999Millis(), point.errors(), report.errorsByKind(),
                        point.cpuMillisPer1000Ops());
                progress.flush();
                measured.accept(point);
                points.add(point);
            }
        }
        return points;
    }

    private BenchReport phase(String name, BenchOptions options) throws InterruptedException {
        progress.println("--- " + name);
        progress.flush();
        BenchReport report = new BenchRun(target, options, progress).run();
        progress.printf(Locale.ROOT, "--- %s: %d ops, %.0f ops/s, %d errors %s%n", name, report.ops(),
                report.opsPerSecond(), report.errors(), report.errorsByKind());
        progress.flush();
        return report;
    }

    private static BenchOptions options(Plan plan, int clients, int readPercent, Duration length, long seed) {
        long maxOps = Math.max(1, MAX_OPS_PER_SECOND * Math.max(1, length.toMillis()) / 1000);
        return new BenchOptions(clients, plan.valueSizeBytes(), plan.keys(), length, maxOps, readPercent,
                Consistency.LINEARIZABLE, Duration.ZERO, seed, false);
    }
}
