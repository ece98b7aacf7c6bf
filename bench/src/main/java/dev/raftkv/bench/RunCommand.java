package dev.raftkv.bench;

import dev.raftkv.client.cli.BenchTarget;
import dev.raftkv.client.cli.DurationConverter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: measures one running system and appends one line per point to the result file. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Measure one running cluster (etcd, or raftkv with unary calls or pipelined streams) over"
                + " workloads x clients; append the points to a result file.")
final class RunCommand implements Callable<Integer> {

    /** Which API the load goes through. */
    enum Api {
        /** etcd's v3 KV service, unary calls. */
        ETCD,
        /** raftkv.v1 Kv, one unary call per operation. */
        RAFTKV_UNARY,
        /** raftkv.v1 Kv.Pipeline streams. */
        RAFTKV_PIPELINED
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--api", required = true, description = "ETCD, RAFTKV_UNARY or RAFTKV_PIPELINED.")
    private Api api;

    @Option(names = "--label", required = true, description = "The system's name in the table, e.g. 'etcd 3.4.23'.")
    private String label;

    @Option(names = "--endpoints", required = true, split = ",", description = "host:port of every node's client API.")
    private List<String> endpoints;

    @Option(names = "--pids", required = true, split = ",",
            description = "PIDs of the server processes whose CPU time is measured.")
    private List<Long> pids;

    @Option(names = "--clock-ticks", defaultValue = "100", description = "getconf CLK_TCK (default: ${DEFAULT-VALUE}).")
    private long clockTicks;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64,256",
            description = "Closed-loop clients per point (default: ${DEFAULT-VALUE}).")
    private List<Integer> clients;

    @Option(names = "--workloads", split = ",", defaultValue = "put,get,mix",
            description = "put, get (linearizable) and/or mix (90/10 get/put) (default: ${DEFAULT-VALUE}).")
    private List<String> workloads;

    @Option(names = "--keys", defaultValue = "100000", description = "Key space (default: ${DEFAULT-VALUE}).")
    private int keys;

    @Option(names = "--value-size", defaultValue = "256", paramLabel = "BYTES",
            description = "Size of written values (default: ${DEFAULT-VALUE}).")
    private int valueSizeBytes;

    @Option(names = "--preload", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write every key once first (default: ${DEFAULT-VALUE}; --no-preload when they are there).")
    private boolean preload;

    @Option(names = "--prime", defaultValue = "30s", converter = DurationConverter.class,
            description = "Unmeasured 64-client 50/50 load after the preload (default: ${DEFAULT-VALUE}).")
    private Duration prime;

    @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class,
            description = "Unmeasured load before each point (default: ${DEFAULT-VALUE}).")
    private Duration warmup;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured time of each point (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--call-deadline", defaultValue = "10s", converter = DurationConverter.class,
            description = "Deadline of each request (default: ${DEFAULT-VALUE}).")
    private Duration callDeadline;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of key and operation choice (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--results", required = true, description = "The result file to append the points to.")
    private Path results;

    @Override
    public Integer call() throws Exception {
        List<Workload> chosen = workloads.stream().map(Workload::ofId).toList();
        SystemRun.Plan plan;
        try {
            plan = new SystemRun.Plan(label, chosen, clients, keys, valueSizeBytes, preload, prime, warmup, duration, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ProcessCpu cpu = new ProcessCpu(pids, clockTicks);
        cpu.millis(); // every PID must be a running process before any load is sent
        PrintWriter progress = spec.commandLine().getErr();
        try (AutoCloseable target = target()) {
            new SystemRun((BenchTarget) target, cpu, progress).run(plan, this::append);
        }
        return 0;
    }

    private AutoCloseable target() {
        return switch (api) {
            case ETCD -> new EtcdTarget(endpoints, callDeadline);
            case RAFTKV_UNARY -> new RaftKvUnaryTarget(endpoints, callDeadline);
            case RAFTKV_PIPELINED -> new RaftKvPipelinedTarget(endpoints, callDeadline);
        };
    }

    private void append(Point point) {
        try {
            Files.writeString(results, point.toLine() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + results, e);
        }
    }
}
