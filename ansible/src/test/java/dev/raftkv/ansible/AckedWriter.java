package dev.raftkv.ansible;

import dev.raftkv.client.ClientOptions;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.RaftKvException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes {@code prefix + n = "v" + n} one at a time through the Java client (which retries
 * across nodes and failovers), remembering every acknowledged write and every error the
 * client gave up with. Bounded by a write count and a duration.
 */
final class AckedWriter implements AutoCloseable {

    private final RaftKvClient client;
    private final String prefix;
    private final int maxWrites;
    private final Duration maxDuration;
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean stopped;

    AckedWriter(String endpoints, String prefix, int maxWrites, Duration maxDuration) {
        this.client = RaftKvClient.create(ClientOptions.builder()
                .endpoints(endpoints)
                .callTimeout(Duration.ofSeconds(2))
                .operationTimeout(Duration.ofSeconds(60))
                .build());
        this.prefix = prefix;
        this.maxWrites = maxWrites;
        this.maxDuration = maxDuration;
        this.thread = new Thread(this::run, "acked-writer-" + prefix);
        this.thread.setDaemon(true);
    }

    AckedWriter start() {
        thread.start();
        return this;
    }

    private void run() {
        long end = System.nanoTime() + maxDuration.toNanos();
        for (int n = 0; n < maxWrites && !stopped && System.nanoTime() - end < 0; n++) {
            String key = prefix + String.format("%07d", n);
            String value = "v" + n;
            try {
                client.blocking().put(key, value);
                acknowledged.put(key, value);
            } catch (RaftKvException e) {
                errors.add(key + ": " + e);
            }
        }
    }

    /** Writes everything in the calling thread (for a fixed data set), then returns. */
    AckedWriter runToCompletion() {
        run();
        return this;
    }

    AckedWriter stop() throws InterruptedException {
        stopped = true;
        thread.join(120_000);
        return this;
    }

    Map<String, String> acknowledged() {
        return Map.copyOf(acknowledged);
    }

    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (thread.isAlive()) {
            stop();
        }
        client.close();
    }
}
