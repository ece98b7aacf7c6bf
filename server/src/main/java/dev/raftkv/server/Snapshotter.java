package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.SnapshotMeta;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Decides when to snapshot and writes snapshots without holding up the apply path.
 *
 * <p>After each applied batch the {@link Applier} calls {@link #afterApply} on its
 * thread. When a snapshot is due (entries applied or log bytes written since the last
 * one past the {@link NodeConfig.SnapshotPolicy}, or one was asked for), the state
 * machine's {@link KvStateMachine#snapshotView() point-in-time view} is taken there —
 * the only pause applying sees, measured — and written by a background thread to a
 * {@link SnapshotFiles snapshot file}. Once the file is durable, {@code onWritten}
 * tells the node, which registers it with the core and compacts the log. One
 * snapshot is written at a time.
 */
final class Snapshotter implements SnapshotTrigger, AutoCloseable {

    private static final Logger LOG = System.getLogger(Snapshotter.class.getName());

    private final SnapshotStore files;
    private final NodeConfig.SnapshotPolicy policy;
    private final SerialExecutor writer;
    private final Logger log;
    private final BiConsumer<SnapshotInfo, SnapshotMeta> onWritten;
    private final LongSupplier nanoClock;
    private final NodeMetrics metrics;
    private final AtomicLong logBytesSinceSnapshot = new AtomicLong();
    /** Touched on the apply thread only. */
    private long lastIndex;
    private boolean writing;
    private final List<CompletableFuture<SnapshotInfo>> requested = new ArrayList<>();
    private final Object lock = new Object();
    /** Asks the apply thread to check again (set by the {@link Applier}); used when a write ends. */
    private volatile Runnable recheck = () -> { };

    Snapshotter(SnapshotStore files, NodeConfig.SnapshotPolicy policy, ThreadFactory threadFactory,
                BiConsumer<SnapshotInfo, SnapshotMeta> onWritten, LongSupplier nanoClock, NodeMetrics metrics,
                long lastIndex) {
        this(files, policy, SerialExecutor.thread(threadFactory), onWritten, nanoClock, metrics, lastIndex, LOG);
    }

    /**
     * @param writer the snapshot writer's thread
     * @param onWritten called on the writer's thread once a snapshot is durable
     * @param lastIndex the index of the newest snapshot held at start (0: none)
     * @param log where written snapshots are reported (the simulator drops the lines)
     */
    Snapshotter(SnapshotStore files, NodeConfig.SnapshotPolicy policy, SerialExecutor writer,
                BiConsumer<SnapshotInfo, SnapshotMeta> onWritten, LongSupplier nanoClock, NodeMetrics metrics,
                long lastIndex, Logger log) {
        this.files = files;
        this.policy = policy;
        this.writer = writer;
        this.log = log;
        this.onWritten = onWritten;
        this.nanoClock = nanoClock;
        this.metrics = metrics;
        this.lastIndex = lastIndex;
    }

    /**
     * How to get {@link #afterApply} called on the apply thread (the {@link Applier}'s {@code snapshotIfRequested}): after a write ends, a
     * snapshot that became due meanwhile (or was asked for) is taken even if nothing
     * more is applied.
     */
    void onWriteEnd(Runnable recheck) {
        this.recheck = recheck;
    }

    /** Counts the entries the event loop appended to the log towards the size trigger. */
    void logWritten(java.util.List<dev.raftkv.proto.Entry> entries) {
        long bytes = 0;
        for (dev.raftkv.proto.Entry entry : entries) {
            bytes += entry.getSerializedSize();
        }
        logBytesSinceSnapshot.addAndGet(bytes);
    }

    /** Asks for a snapshot at the next applied batch (or at once, from the apply thread's next turn). */
    CompletableFuture<SnapshotInfo> request() {
        CompletableFuture<SnapshotInfo> future = new CompletableFuture<>();
        synchronized (lock) {
            requested.add(future);
        }
        return future;
    }

    boolean hasRequests() {
        synchronized (lock) {
            return !requested.isEmpty();
        }
    }

    /** A snapshot from the leader was installed at {@code index}: count from there. Apply thread. */
    @Override
    public void installed(long index) {
        lastIndex = Math.max(lastIndex, index);
        logBytesSinceSnapshot.set(0);
    }

    /**
     * Called on the apply thread after each batch: takes a snapshot if one is due.
     *
     * @param appliedTerm the term of the entry at {@code stateMachine.appliedIndex()}
     */
    @Override
    public void afterApply(KvStateMachine stateMachine, long appliedTerm) {
        long applied = stateMachine.appliedIndex();
        List<CompletableFuture<SnapshotInfo>> waiting;
        synchronized (lock) {
            boolean due = applied - lastIndex >= policy.everyEntries()
                    || (logBytesSinceSnapshot.get() >= policy.everyBytes() && applied > lastIndex);
            if (writing || (!due && requested.isEmpty())) {
                return;
            }
            waiting = new ArrayList<>(requested);
            requested.clear();
            writing = true;
        }
        if (applied == 0) {
            finish(waiting, null, new RequestFailedException(io.grpc.Status.FAILED_PRECONDITION.withDescription(
                    "nothing was applied yet, so there is nothing to snapshot"), null));
            return;
        }
        if (applied == lastIndex && !files.list().isEmpty()) {
            // Nothing new since the last snapshot: hand out that one.
            SnapshotInfo newest = files.list().get(0);
            finish(waiting, newest, null);
            return;
        }
        long start = nanoClock.getAsLong();
        KvStateMachine.SnapshotView view = stateMachine.snapshotView();
        long pause = nanoClock.getAsLong() - start;
        metrics.recordSnapshotPause(pause);
        lastIndex = applied;
        logBytesSinceSnapshot.set(0);
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(view.appliedIndex()).setTerm(appliedTerm)
                .setConf(view.confState()).build();
        writer.execute(() -> {
            long writeStart = nanoClock.getAsLong();
            try {
                SnapshotInfo info = files.write(meta, view::writeTo);
                long took = nanoClock.getAsLong() - writeStart;
                metrics.recordSnapshot(info.sizeBytes(), took);
                log.log(Level.INFO, () -> String.format("snapshot at index %d written: %d bytes in %.1f ms (apply"
                        + " paused %.2f ms)", meta.getIndex(), info.sizeBytes(), took / 1e6, pause / 1e6));
                onWritten.accept(info, meta);
                finish(waiting, info, null);
            } catch (RuntimeException e) {
                log.log(Level.ERROR, "snapshot at index " + meta.getIndex() + " failed: " + e.getMessage(), e);
                finish(waiting, null, e);
            }
        });
    }

    private void finish(List<CompletableFuture<SnapshotInfo>> waiting, SnapshotInfo info, Throwable error) {
        boolean wasWriting;
        synchronized (lock) {
            wasWriting = writing;
            writing = false;
        }
        for (CompletableFuture<SnapshotInfo> future : waiting) {
            if (error == null) {
                future.complete(info);
            } else {
                future.completeExceptionally(error);
            }
        }
        if (wasWriting && error == null && info != null) {
            recheck.run();
        }
    }

    @Override
    public void close() {
        writer.close(TimeUnit.SECONDS.toMillis(60));
        synchronized (lock) {
            requested.forEach(f -> f.completeExceptionally(new RequestFailedException(
                    io.grpc.Status.UNAVAILABLE.withDescription("node is shutting down"), null)));
            requested.clear();
        }
    }
}
