package dev.raftkv.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One plaintext gRPC channel (one HTTP/2 connection, as etcd's and raftkv's clients keep) per
 * node, and a stub of each, handed out round-robin so every node gets an equal share of the
 * requests. Made the same way for every system, so the client side costs the same. Thread-safe.
 *
 * @param <S> the stub type
 */
final class Channels<S> implements AutoCloseable {

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<S> stubs = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    /**
     * @param endpoints {@code host:port} of each node
     * @param stubOf makes the stub of a channel
     * @throws IllegalArgumentException when there is no endpoint
     */
    Channels(List<String> endpoints, Function<ManagedChannel, S> stubOf) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint to send requests to");
        }
        for (String endpoint : endpoints) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
            channels.add(channel);
            stubs.add(stubOf.apply(channel));
        }
    }

    /** The next node's stub, round-robin. */
    S next() {
        return stubs.get(Math.floorMod(next.getAndIncrement(), stubs.size()));
    }

    /** Every node's stub, in endpoint order. */
    List<S> all() {
        return List.copyOf(stubs);
    }

    /** Closes every channel, cancelling calls still in flight; waits up to 5 s for each. */
    @Override
    public void close() {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
