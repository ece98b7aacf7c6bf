package dev.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The apply path: owns the {@link KvStateMachine}, applies committed entries in order on
 * the apply thread ({@link SerialExecutor}), completes the futures of the writes proposed
 * here ({@link WaitingWrites}), and serves reads once the applied index reaches their read
 * index. The event loop hands it work and never waits for it, so applying overlaps with
 * the next round of replication. After each batch it tells the {@link SnapshotTrigger}.
 */
final class Applier implements AppliedReads, AutoCloseable {

    /** Where an installed snapshot's state comes from; loaded on the apply thread. */
    interface SnapshotSource {
        /** Reads and verifies the snapshot; throws (unchecked) if it is missing or damaged. */
        SnapshotFiles.Loaded load(SessionLimits limits);
    }

    private record PendingRead<T>(long index, Function<KvStateMachine, T> read, CompletableFuture<T> future) {
    }

    /** Replaced when a snapshot is installed; touched on the apply thread only. */
    private KvStateMachine stateMachine;
    private final SerialExecutor thread;
    private final SnapshotTrigger snapshots;
    private final NodeMetrics metrics;
    private final WaitingWrites waiters;
    /** Touched only on the apply thread. */
    private final List<PendingRead<?>> reads = new ArrayList<>();
    private volatile long appliedIndex;
    /** Term of the entry at {@link #appliedIndex}: the term of a snapshot taken there. */
    private volatile long appliedTerm;
    private volatile Throwable failure;

    /**
     * @param appliedTerm the term of the entry {@code stateMachine} was last applied at (its snapshot's term)
     * @param waiters the writes proposed here, completed as their entries are applied
     */
    Applier(KvStateMachine stateMachine, long appliedTerm, SnapshotTrigger snapshots, NodeMetrics metrics,
            SerialExecutor thread, WaitingWrites waiters) {
        this.stateMachine = stateMachine;
        this.snapshots = snapshots;
        this.metrics = metrics;
        this.thread = thread;
        this.waiters = waiters;
        this.appliedIndex = stateMachine.appliedIndex();
        this.appliedTerm = appliedTerm;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    int waiting() {
        return waiters.size();
    }

    /** Registers the future of a write proposed at {@code index} in {@code term}. Called by the event loop before the entry can commit. */
    void await(long index, long term, long deadlineNanos, CompletableFuture<Applied> future) {
        waiters.await(index, term, deadlineNanos, future);
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
                snapshots.afterApply(stateMachine, appliedTerm);
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        });
    }

    private void applyOne(Entry entry) {
        if (entry.getType() == EntryType.ENTRY_CONFIG) {
            try {
                stateMachine.applyConfig(entry.getIndex(), dev.raftkv.proto.ConfState.parseFrom(entry.getData()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("log entry " + entry.getIndex() + " does not hold a configuration", e);
            }
            waiters.applied(entry, CommandResult.getDefaultInstance());
            return;
        }
        if (entry.getType() != EntryType.ENTRY_COMMAND) {
            stateMachine.skip(entry.getIndex());
            waiters.applied(entry, null);
            return;
        }
        Command command;
        try {
            command = Command.parseFrom(entry.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("log entry " + entry.getIndex() + " does not hold a command", e);
        }
        waiters.applied(entry, stateMachine.apply(entry.getIndex(), command));
    }

    /**
     * Replaces the state machine with the snapshot {@code source} holds (installed from the
     * leader), after everything queued before. Writes waiting for entries the snapshot
     * covers learn their outcome is unknown here: they are retried with their session.
     *
     * @param name the snapshot's file, for errors
     */
    void restore(String name, SnapshotSource source, long index, long term) {
        thread.execute(() -> {
            if (failure != null) {
                return;
            }
            try {
                SnapshotFiles.Loaded loaded = source.load(stateMachine.sessionLimits());
                if (loaded.meta().getIndex() != index || loaded.meta().getTerm() != term) {
                    throw new IllegalStateException("snapshot file " + name + " holds index "
                            + loaded.meta().getIndex() + " term " + loaded.meta().getTerm() + ", not " + index + "/"
                            + term);
                }
                stateMachine = loaded.stateMachine();
                appliedTerm = term;
                appliedIndex = index;
                snapshots.installed(index);
                metrics.snapshotsInstalled.increment();
                waiters.coveredBySnapshot(index);
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
                    snapshots.afterApply(stateMachine, appliedTerm);
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
    @Override
    public <T> CompletableFuture<T> readAt(long index, Function<KvStateMachine, T> read) {
        CompletableFuture<T> future = new CompletableFuture<>();
        thread.execute(() -> {
            reads.add(new PendingRead<>(index, read, future));
            serveReads();
        });
        return future;
    }

    /** Runs {@code read} on the state machine as it is now (a serializable read). */
    <T> CompletableFuture<T> readNow(Function<KvStateMachine, T> read) {
        CompletableFuture<T> future = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                future.complete(read.apply(stateMachine));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
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
        waiters.failAbove(committedIndex, status, leaderId);
    }

    /** Fails writes whose deadline passed: their outcome is unknown. */
    void expire(long nowNanos) {
        waiters.expire(nowNanos);
    }

    /** Reads the current value of {@code key} for status or tests (serializable). */
    CompletableFuture<java.util.Optional<ByteString>> get(ByteString key) {
        return readNow(sm -> sm.get(key));
    }

    @Override
    public void close() {
        thread.close(10_000);
        // These writes were proposed: the entries may still commit under the next leader.
        waiters.failAll(Status.ABORTED.withDescription("outcome unknown: the node shut down before the write was"
                + " applied here; it may still commit, retry it only with the same session and sequence"), null);
    }
}
