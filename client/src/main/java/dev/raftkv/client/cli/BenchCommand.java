package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.Routing;
import dev.raftkv.proto.Consistency;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "bench", description = {"Generate load: a closed loop of puts and gets over a key space, bounded in time"
        + " and optionally in count. Prints a progress line every second and a summary with throughput,"
        + " latency percentiles (HdrHistogram) and errors by kind."})
final class BenchCommand implements Callable<Integer> {

    /** Where bench requests go. */
    enum Target {
        /** The cached leader (no forwarding hop). */
        LEADER,
        /** Round-robin over every node (followers forward writes, serve reads). */
        ALL
    }

    @ParentCommand
    private RaftKvCli cli;

    @Option(names = "--concurrency", defaultValue = "16", description = "Operations in flight (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--value-size", defaultValue = "100", paramLabel = "BYTES",
            description = "Size of written values in bytes (default: ${DEFAULT-VALUE}).")
    private int valueSizeBytes;

    @Option(names = "--keys", defaultValue = "10000", description = "Key space size (default: ${DEFAULT-VALUE}).")
    private int keySpace;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured time after warm-up (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--ops", defaultValue = "0",
            description = "Stop the measured phase after this many operations; 0: only --duration bounds it (default).")
    private long maxOps;

    @Option(names = "--read-percent", defaultValue = "50", description = "Percent of gets; the rest are puts (default: ${DEFAULT-VALUE}).")
    private int readPercent;

    @Option(names = {"-c", "--consistency"}, defaultValue = "LINEARIZABLE",
            description = "Consistency of the gets: LINEARIZABLE (default) or SERIALIZABLE.")
    private Consistency consistency;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "Unmeasured time before (default: ${DEFAULT-VALUE}).")
    private Duration warmup;

    @Option(names = "--target", defaultValue = "LEADER",
            description = "LEADER: send everything to the leader (default); ALL: spread over every node.")
    private Target target;

    @Option(names = "--sequential", description = "Keys in order 0, 1, 2, ... instead of at random (e.g. with "
            + "--ops N --keys N --warmup 0s --read-percent 0 to load exactly N keys).")
    private boolean sequential;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of key and operation choice (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Override
    public Integer call() throws InterruptedException {
        BenchOptions options = new BenchOptions(concurrency, valueSizeBytes, keySpace, duration, maxOps, readPercent,
                consistency, warmup, seed, sequential);
        String title = String.format(Locale.ROOT,
                "bench: %d in flight, %d%% reads (%s), %d-byte values, %d keys, target %s, %s, warm-up %s, duration %s%s",
                concurrency, readPercent, consistency, valueSizeBytes, keySpace, target.name().toLowerCase(Locale.ROOT),
                cli.unary() ? "unary calls" : "pipelined", DurationConverter.format(warmup), DurationConverter.format(duration), maxOps > 0 ? ", at most " + maxOps + " ops" : "");
        cli.out().println(title);
        try (RaftKvClient client = cli.connect(target == Target.LEADER ? Routing.LEADER : Routing.ROUND_ROBIN)) {
            BenchTarget benchTarget = new BenchTarget() {
                @Override
                public CompletableFuture<?> put(ByteString key, ByteString value) {
                    return client.put(key, value);
                }

                @Override
                public CompletableFuture<?> get(ByteString key) {
                    return client.get(key, consistency);
                }
            };
            BenchReport report = new BenchRun(benchTarget, options, cli.out()).run();
            report.print(cli.out(), "summary");
            return report.ops() > 0 || report.errors() == 0 ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
        }
    }
}
