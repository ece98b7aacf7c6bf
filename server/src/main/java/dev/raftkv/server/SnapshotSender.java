package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.RaftPeerGrpc;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.SnapshotMeta;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Streams snapshot files to followers over {@code RaftPeer.InstallSnapshot} (§7), one
 * transfer per follower at a time, each on its own thread so that disk reads never
 * stall the event loop or the network threads.
 *
 * <p>A transfer first asks the receiver how much of this snapshot it already holds (a
 * stream whose only chunk carries the meta and no data), then streams the rest in
 * chunks of {@value #CHUNK_BYTES} bytes, sending only while gRPC's flow control says the
 * stream is ready. A broken or stalled stream is resumed from what the receiver
 * reports, up to {@value #ATTEMPTS} times; then the transfer is reported failed and the
 * core asks again later. The last chunk carries the CRC32C the file ends with.
 */
final class SnapshotSender implements AutoCloseable {

    private static final Logger LOG = System.getLogger(SnapshotSender.class.getName());
    static final int CHUNK_BYTES = 1 << 20;
    static final int ATTEMPTS = 5;
    /** A stream that accepts nothing for this long is considered stalled and restarted. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String selfId;
    private final Function<String, Channel> channels;
    private final ThreadFactory threadFactory;
    private final BiConsumer<String, Boolean> onDone;
    private final TransitionLog transitions;
    private final LongSupplier nanoClock;
    private final Map<String, Thread> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param channels the channel to each peer by id (null when unknown)
     * @param onDone called with the follower's id and whether the snapshot arrived complete
     */
    SnapshotSender(String selfId, Function<String, Channel> channels, ThreadFactory threadFactory,
                   BiConsumer<String, Boolean> onDone, TransitionLog transitions, LongSupplier nanoClock) {
        this.selfId = selfId;
        this.channels = channels;
        this.threadFactory = threadFactory;
        this.onDone = onDone;
        this.transitions = transitions;
        this.nanoClock = nanoClock;
    }

    /** Starts sending {@code file} to {@code to} unless a transfer to it is already running. */
    void send(String to, Path file, SnapshotMeta meta, long term) {
        if (closed || running.containsKey(to)) {
            return;
        }
        Thread thread = threadFactory.newThread(() -> {
            boolean ok = false;
            try {
                ok = transfer(to, file, meta, term);
            } finally {
                running.remove(to);
                if (!closed) {
                    onDone.accept(to, ok);
                }
            }
        });
        thread.setName("raftkv-snapshot-to-" + to);
        thread.setDaemon(true);
        if (running.putIfAbsent(to, thread) == null) {
            thread.start();
        }
    }

    boolean isSending(String to) {
        return running.containsKey(to);
    }

    private boolean transfer(String to, Path file, SnapshotMeta meta, long term) {
        long size;
        int crc;
        try {
            size = Files.size(file);
            crc = SnapshotFiles.trailer(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, selfId + ": cannot read snapshot " + file + " for " + to + ": " + e.getMessage());
            return false;
        }
        long start = nanoClock.getAsLong();
        transitions.event("snapshot-send", term, "to=" + to + " index=" + meta.getIndex() + " bytes=" + size);
        SnapshotChunk head = SnapshotChunk.newBuilder().setFrom(selfId).setTerm(term).setMeta(meta)
                .setTotalBytes(size).build();
        for (int attempt = 1; attempt <= ATTEMPTS && !closed; attempt++) {
            Channel channel = channels.apply(to);
            if (channel == null) {
                return false;
            }
            try {
                long offset = call(channel, head, null, 0, 0).getReceivedBytes();
                InstallSnapshotResponse response = call(channel, head, file, Math.min(offset, size), crc);
                if (response.getComplete()) {
                    double seconds = (nanoClock.getAsLong() - start) / 1e9;
                    transitions.event("snapshot-sent", term, String.format("to=%s index=%d bytes=%d seconds=%.2f"
                            + " rate_mb_s=%.1f attempts=%d", to, meta.getIndex(), size, seconds,
                            size / 1048576.0 / Math.max(seconds, 1e-9), attempt));
                    return true;
                }
                LOG.log(Level.INFO, selfId + ": " + to + " holds " + response.getReceivedBytes() + " of " + size
                        + " bytes of snapshot " + meta.getIndex() + " after attempt " + attempt + "; resuming");
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.INFO, selfId + ": snapshot " + meta.getIndex() + " to " + to + ", attempt " + attempt
                        + " failed: " + e.getMessage());
                pause(attempt);
            }
        }
        transitions.event("snapshot-send-failed", term, "to=" + to + " index=" + meta.getIndex());
        return false;
    }

    /**
     * One InstallSnapshot stream: with {@code file} null, only the head chunk (asks the
     * receiver how much it holds); else the file from {@code offset} to its end.
     */
    private InstallSnapshotResponse call(Channel channel, SnapshotChunk head, Path file, long offset, int crc)
            throws IOException {
        CompletableFuture<InstallSnapshotResponse> result = new CompletableFuture<>();
        Object readiness = new Object();
        ClientCallStreamObserver<SnapshotChunk> stream = (ClientCallStreamObserver<SnapshotChunk>)
                RaftPeerGrpc.newStub(channel).installSnapshot(new ClientResponseObserver<SnapshotChunk,
                        InstallSnapshotResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<SnapshotChunk> requestStream) {
                        requestStream.setOnReadyHandler(() -> {
                            synchronized (readiness) {
                                readiness.notifyAll();
                            }
                        });
                    }

                    @Override
                    public void onNext(InstallSnapshotResponse value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                        synchronized (readiness) {
                            readiness.notifyAll();
                        }
                    }

                    @Override
                    public void onCompleted() {
                        result.completeExceptionally(new IOException("the receiver closed without an answer"));
                    }
                });
        try {
            if (file == null) {
                stream.onNext(head);
            } else {
                stream(stream, readiness, result, head, file, offset, crc);
            }
            stream.onCompleted();
            return result.get(STALL_NANOS, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.cancel("interrupted", e);
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            stream.cancel("no answer", e);
            throw new IOException("no answer from the receiver within " + STALL_NANOS / 1_000_000_000 + " s");
        } catch (IOException | RuntimeException e) {
            stream.cancel("send failed", e);
            throw e;
        }
    }

    private void stream(ClientCallStreamObserver<SnapshotChunk> stream, Object readiness,
                        CompletableFuture<InstallSnapshotResponse> result, SnapshotChunk head, Path file,
                        long offset, int crc) throws IOException, InterruptedException {
        long size = head.getTotalBytes();
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            long position = offset;
            byte[] buffer = new byte[CHUNK_BYTES];
            do {
                long waitedSince = nanoClock.getAsLong();
                synchronized (readiness) {
                    while (!stream.isReady() && !result.isDone() && !closed) {
                        if (nanoClock.getAsLong() - waitedSince > STALL_NANOS) {
                            throw new IOException("the receiver accepted nothing for " + STALL_NANOS / 1_000_000_000
                                    + " s");
                        }
                        readiness.wait(100);
                    }
                }
                if (result.isDone() || closed) {
                    return;
                }
                int n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, size - position));
                boolean last = position + n >= size;
                SnapshotChunk.Builder chunk = head.toBuilder().setOffset(position)
                        .setData(ByteString.copyFrom(buffer, 0, n)).setLast(last);
                if (last) {
                    chunk.setCrc32C(crc);
                }
                stream.onNext(chunk.build());
                position += n;
                if (n == 0 && !last) {
                    throw new IOException("snapshot file " + file + " is shorter than " + size + " bytes");
                }
            } while (position < size);
        }
    }

    private void pause(int attempt) {
        try {
            Thread.sleep(100L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        running.values().forEach(Thread::interrupt);
    }
}
