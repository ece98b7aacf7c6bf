package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.RaftKvException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Measures write availability as a client sees it: one write at a time, for a bounded
 * time, and a line for every stretch in which no write succeeded for longer than the
 * threshold ("outage"). Used to time failovers: kill the leader, read how long writes
 * stopped.
 */
@Command(name = "probe", description = {"Write continuously, one write at a time, and report every stretch of time"
        + " in which no write succeeded for longer than --gap.",
    "Each line: outage <last success, epoch ms> <next success, epoch ms> <gap ms>."})
final class ProbeCommand implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to probe (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--gap", defaultValue = "100ms", converter = DurationConverter.class,
            description = "Report pauses longer than this (default: ${DEFAULT-VALUE}).")
    private Duration gap;

    @Option(names = "--key", defaultValue = "raftkv-probe", description = "The key written (default: ${DEFAULT-VALUE}).")
    private String key;

    @ParentCommand
    private RaftKvCli cli;

    @Override
    public Integer call() {
        long end = System.nanoTime() + duration.toNanos();
        long writes = 0;
        long failures = 0;
        long outages = 0;
        long lastSuccessMillis = System.currentTimeMillis();
        try (RaftKvClient client = cli.connect()) {
            while (System.nanoTime() - end < 0) {
                try {
                    client.blocking().put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(Long.toString(writes)));
                    writes++;
                    long now = System.currentTimeMillis();
                    if (now - lastSuccessMillis > gap.toMillis()) {
                        outages++;
                        cli.out().println("outage " + lastSuccessMillis + " " + now + " " + (now - lastSuccessMillis));
                        cli.out().flush();
                    }
                    lastSuccessMillis = now;
                } catch (RaftKvException e) {
                    failures++;
                }
            }
        }
        cli.out().println("writes " + writes + " failed-attempts " + failures + " outages " + outages);
        return ExitCodes.OK;
    }
}
