package dev.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The apply path: one thread that owns the {@link KvStateMachine}, applies committed
 * entries in order, completes the futures of the writes proposed here, and serves
 * reads once the applied index reaches their read index. The event loop hands it work
 * and never waits for it, so applying overlaps with the next round of replication.
 */
final class Applier implements AutoCloseable {

    /** A write proposed by this node, waiting for its entry. */
    record Waiter(long term, long deadlineNanos, CompletableFuture<Applied> future) {
    }

    private record PendingRead<T>(long index, Function<KvStateMachine, T> read, CompletableFuture<T> future) {
    }

    /** Replaced when a snapshot is installed; touched on the apply thread only. */
    private KvStateMachine stateMachine;
    private final ExecutorService thread;
    private final Snapshotter snapshotter;
    private final NodeMetrics metrics;
    private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();
    /** Touched only on the apply thread. */
    private final List<PendingRead<?>> reads = new ArrayList<>();
    private volatile long appliedIndex;
    /** Term of the entry at {@link #appliedIndex}: the term of a snapshot taken there. */
    private volatile long appliedTerm;
    private volatile Throwable failure;

    /**
     * @param appliedTerm the term of the entry {@code stateMachine} was last applied at (its snapshot's term)
     */
    Applier(KvStateMachine stateMachine, long appliedTerm, Snapshotter snapshotter, NodeMetrics metrics,
            ThreadFactory threadFactory) {
        this.stateMachine = stateMachine;
        this.snapshotter = snapshotter;
        this.metrics = metrics;
        this.thread = Executors.newSingleThreadExecutor(threadFactory);
        this.appliedIndex = stateMachine.appliedIndex();
        this.appliedTerm = appliedTerm;
        snapshotter.onWriteEnd(this::snapshotIfRequested);
    }

    long appliedIndex() {
        return appliedIndex;
    }

    int waiting() {
        return waiters.size();
    }

    /** Registers the future of a write proposed at {@code index} in {@code term}. Called by the event loop before the entry can commit. */
    void await(long index, long term, long deadlineNanos, CompletableFuture<Applied> future) {
        waiters.put(index, new Waiter(term, deadlineNanos, future));
    }

    /** Applies committed entries, in order, on the apply thread. */
    void apply(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        thread.execute(() -> {
            if (failure != null) {
                return;
            }
            try {
                for (Entry entry : entries) {
                    applyOne(entry);
                }
                Entry last = entries.get(entries.size() - 1);
                appliedTerm = last.getTerm();
                appliedIndex = stateMachine.appliedIndex();
                metrics.applied.add(entries.size());
                serveReads();
                snapshotter.afterApply(stateMachine, appliedTerm);
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        });
    }

    private void applyOne(Entry entry) {
        Waiter waiter = waiters.remove(entry.getIndex());
        if (entry.getType() == EntryType.ENTRY_CONFIG) {
            try {
                stateMachine.applyConfig(entry.getIndex(), dev.raftkv.proto.ConfState.parseFrom(entry.getData()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("log entry " + entry.getIndex() + " does not hold a configuration", e);
            }
            if (waiter != null) {
                if (waiter.term() == entry.getTerm()) {
                    waiter.future().complete(new Applied(CommandResult.getDefaultInstance(), entry.getIndex()));
                } else {
                    waiter.future().completeExceptionally(superseded(entry));
                }
            }
            return;
        }
        if (entry.getType() != EntryType.ENTRY_COMMAND) {
            stateMachine.skip(entry.getIndex());
            if (waiter != null) {
                waiter.future().completeExceptionally(superseded(entry));
            }
            return;
        }
        Command command;
        try {
            command = Command.parseFrom(entry.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("log entry " + entry.getIndex() + " does not hold a command", e);
        }
        CommandResult result = stateMachine.apply(entry.getIndex(), command);
        if (waiter != null) {
            if (waiter.term() == entry.getTerm()) {
                waiter.future().complete(new Applied(result, entry.getIndex()));
            } else {
                waiter.future().completeExceptionally(superseded(entry));
            }
        }
    }

    private static RequestFailedException superseded(Entry entry) {
        return new RequestFailedException(Status.UNAVAILABLE.withDescription("a new leader replaced log entry "
                + entry.getIndex() + " before it committed; the write did not take effect there, retry it"), null);
    }

    /**
     * Replaces the state machine with the snapshot in {@code file} (installed from the
     * leader), after everything queued before. Writes waiting for entries the snapshot
     * covers learn their outcome is unknown here: they are retried with their session.
     */
    void restore(java.nio.file.Path file, long index, long term) {
        thread.execute(() -> {
            if (failure != null) {
                return;
            }
            try {
                SnapshotFiles.Loaded loaded = SnapshotFiles.load(file, stateMachine.sessionLimits());
                if (loaded.meta().getIndex() != index || loaded.meta().getTerm() != term) {
                    throw new IllegalStateException("snapshot file " + file + " holds index "
                            + loaded.meta().getIndex() + " term " + loaded.meta().getTerm() + ", not " + index + "/"
                            + term);
                }
                stateMachine = loaded.stateMachine();
                appliedTerm = term;
                appliedIndex = index;
                snapshotter.installed(index);
                metrics.snapshotsInstalled.increment();
                for (Long waiting : List.copyOf(waiters.keySet())) {
                    Waiter waiter = waiting <= index ? waiters.remove(waiting) : null;
                    if (waiter != null) {
                        waiter.future().completeExceptionally(new RequestFailedException(Status.ABORTED
                                .withDescription("this node installed a snapshot covering log index " + waiting
                                        + "; the write's outcome is unknown here, retry it with the same session"),
                                null));
                    }
                }
                serveReads();
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        });
    }

    /** Takes a snapshot now if one was asked for ({@link Snapshotter#request()}) or is due. */
    void snapshotIfRequested() {
        try {
            thread.execute(() -> {
                if (failure == null) {
                    snapshotter.afterApply(stateMachine, appliedTerm);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the node is closing: no more snapshots
        }
    }

    /** The error that stopped applying, or null. */
    Throwable failure() {
        return failure;
    }

    /** Runs {@code read} on the state machine once it has applied {@code index}. */
    <T> CompletableFuture<T> readAt(long index, Function<KvStateMachine, T> read) {
        CompletableFuture<T> future = new CompletableFuture<>();
        thread.execute(() -> {
            reads.add(new PendingRead<>(index, read, future));
            serveReads();
        });
        return future;
    }

    /** Runs {@code read} on the state machine as it is now (a serializable read). */
    <T> CompletableFuture<T> readNow(Function<KvStateMachine, T> read) {
        return CompletableFuture.supplyAsync(() -> read.apply(stateMachine), thread);
    }

    @SuppressWarnings("unchecked")
    private void serveReads() {
        long applied = stateMachine.appliedIndex();
        Iterator<PendingRead<?>> it = reads.iterator();
        while (it.hasNext()) {
            PendingRead<Object> read = (PendingRead<Object>) it.next();
            if (read.index() <= applied) {
                it.remove();
                try {
                    read.future().complete(read.read().apply(stateMachine));
                } catch (RuntimeException e) {
                    read.future().completeExceptionally(e);
                }
            }
        }
    }

    /**
     * Leadership was lost: fails every waiting write above {@code committedIndex} — it may
     * yet commit under the next leader, so clients retry with their session. Writes at or
     * below it are committed and learn their real outcome when applied.
     */
    void failAbove(long committedIndex, Status status, String leaderId) {
        for (Long index : List.copyOf(waiters.keySet())) {
            Waiter waiter = index > committedIndex ? waiters.remove(index) : null;
            if (waiter != null) {
                waiter.future().completeExceptionally(new RequestFailedException(status, leaderId));
            }
        }
    }

    /** Fails every waiting write (leadership was lost): they may still commit, so clients retry with their session. */
    void failAll(Status status, String leaderId) {
        for (Long index : List.copyOf(waiters.keySet())) {
            Waiter waiter = waiters.remove(index);
            if (waiter != null) {
                waiter.future().completeExceptionally(new RequestFailedException(status, leaderId));
            }
        }
    }

    /** Fails writes whose deadline passed: their outcome is unknown. */
    void expire(long nowNanos) {
        for (Map.Entry<Long, Waiter> e : waiters.entrySet()) {
            if (e.getValue().deadlineNanos() - nowNanos < 0 && waiters.remove(e.getKey(), e.getValue())) {
                e.getValue().future().completeExceptionally(new RequestFailedException(Status.DEADLINE_EXCEEDED
                        .withDescription("write at log index " + e.getKey() + " not applied before its deadline;"
                                + " its outcome is unknown, retry with the same session and sequence"), null));
            }
        }
    }

    /** Reads the current value of {@code key} for status or tests (serializable). */
    CompletableFuture<java.util.Optional<ByteString>> get(ByteString key) {
        return readNow(sm -> sm.get(key));
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
        // These writes were proposed: the entries may still commit under the next leader.
        failAll(Status.ABORTED.withDescription("outcome unknown: the node shut down before the write was applied"
                + " here; it may still commit, retry it only with the same session and sequence"), null);
    }
}
