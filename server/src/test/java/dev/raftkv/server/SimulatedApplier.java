package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import dev.raftkv.storage.LogStore;
import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The production apply path of one simulated node: {@link Applier} with its
 * {@link WaitingWrites}, {@link LinearizableReads} and {@link CommitSteps}, wired to the
 * simulator's apply thread (its {@link ApplyThread}, events of the simulator's queue) and
 * to the simulator's snapshot trigger. Everything runs on the simulator's one thread.
 */
public final class SimulatedApplier {

    /**
     * Mutations of the apply path for the simulator's own test ({@code MutationTest}):
     * each re-wires the production parts as a buggy driver would, through their ports,
     * never through a switch in main code.
     */
    public enum Mutation {
        /**
         * Waiting writes are tied to an index, not to an entry: kept when leadership is lost
         * and answered by whatever entry is applied at their index, in any term.
         */
        WAITERS_BY_INDEX_ONLY,
        /** A read confirmed on a follower runs on the state machine as it is, without waiting for the read index. */
        FOLLOWER_READ_BEFORE_APPLIED,
        /** A snapshot from the leader is installed ahead of committed entries still queued for apply. */
        INSTALL_AHEAD_OF_QUEUED_ENTRIES
    }

    /** The simulated apply thread: tasks run in order, later, as events of the simulator. */
    public interface ApplyThread {
        /** Queues {@code task} behind every task queued before. */
        void execute(Runnable task);

        /** Queues {@code task} ahead of every task queued before (only the mutation does this). */
        void executeFirst(Runnable task);
    }

    /** What the simulator does when the apply path applied a batch or installed a snapshot (on its apply thread). */
    public interface Hooks {
        void afterApply(KvStateMachine stateMachine, long appliedTerm);

        void installed(long index, KvStateMachine stateMachine);
    }

    /**
     * The simulator's side of snapshots: its in-memory snapshot "files", the writer's
     * thread, the loop, and the stream to a follower ({@code SnapshotTransfers}).
     */
    public interface Snapshots {
        /** Runs {@code task} on the simulated snapshot writer's thread, later, in order. */
        void executeOnWriter(Runnable task);

        /** Runs {@code task} on the node's loop, later (unless the node crashed meanwhile). */
        void executeOnLoop(Runnable task);

        /** The snapshot at {@code meta} with the state machine part {@code data} is durable now. */
        void written(SnapshotMeta meta, byte[] data);

        boolean holds(SnapshotMeta meta);

        /** The held snapshot at {@code meta}'s state machine, its checksum verified. */
        KvStateMachine load(SnapshotMeta meta);

        /** The held snapshots, newest first. */
        List<SnapshotMeta> held();

        /** Streams the held snapshot at {@code meta} to {@code to}; the end is reported to the core. */
        void send(String to, SnapshotMeta meta, long term);
    }

    private final Applier applier;
    private final LinearizableReads reads;
    private final CommitSteps steps;
    private final Snapshotter snapshotter;
    private final SnapshotSteps snapshotSteps;
    private final boolean installAhead;
    private boolean installAheadNow;
    private KvStateMachine stateMachine;
    private KvStateMachine loading;

    /**
     * @param log the node's log, reset when a snapshot is installed and compacted behind one written
     * @param restoredAtStart the snapshot {@code stateMachine} was loaded from (null: none)
     * @param everyEntries a snapshot is taken each time this many entries were applied since the last one
     * @param compactionTail entries kept in the log below a snapshot written here
     * @param whenIdle runs a change of the log that must not overlap a sync in flight
     */
    public SimulatedApplier(String nodeId, RaftNode core, LogStore log, Consumer<Runnable> whenIdle,
                            KvStateMachine stateMachine,
                            SnapshotMeta restoredAtStart, ApplyThread thread, Hooks hooks, Snapshots snapshots,
                            long everyEntries, long compactionTail, Set<Mutation> mutations) {
        this.stateMachine = stateMachine;
        this.installAhead = mutations.contains(Mutation.INSTALL_AHEAD_OF_QUEUED_ENTRIES);
        SerialExecutor executor = new SerialExecutor() {
            @Override
            public void execute(Runnable task) {
                if (installAheadNow) {
                    installAheadNow = false;
                    thread.executeFirst(task);
                } else {
                    thread.execute(task);
                }
            }

            @Override
            public void close(long timeoutMillis) {
                // a simulated node is crashed, never closed: its queued tasks are dropped with it
            }
        };
        SnapshotStore store = store(snapshots);
        SerialExecutor writer = new SerialExecutor() {
            @Override
            public void execute(Runnable task) {
                snapshots.executeOnWriter(task);
            }

            @Override
            public void close(long timeoutMillis) {
                // crashed, never closed
            }
        };
        long appliedTerm = restoredAtStart == null ? 0 : restoredAtStart.getTerm();
        SnapshotSteps[] stepsLater = new SnapshotSteps[1];
        this.snapshotter = new Snapshotter(store, new NodeConfig.SnapshotPolicy(everyEntries, Long.MAX_VALUE, 2,
                compactionTail), writer, (info, meta) -> snapshots.executeOnLoop(() -> stepsLater[0].written(info,
                meta)), () -> 0, new NodeMetrics(), restoredAtStart == null ? 0 : restoredAtStart.getIndex(),
                SimulatedMembership.SILENT);
        SnapshotTrigger trigger = new SnapshotTrigger() {
            @Override
            public void afterApply(KvStateMachine machine, long term) {
                hooks.afterApply(machine, term);
                snapshotter.afterApply(machine, term);
            }

            @Override
            public void installed(long index) {
                SimulatedApplier.this.stateMachine = loading;
                hooks.installed(index, loading);
                snapshotter.installed(index);
            }
        };
        WaitingWrites waiting = mutations.contains(Mutation.WAITERS_BY_INDEX_ONLY) ? new WaitingWrites() {
            @Override
            boolean answers(Waiter waiter, Entry entry) {
                return true;
            }

            @Override
            void failAbove(long committedIndex, Status status, String leaderId) {
                // the mutation: nothing fails when leadership is lost
            }
        } : new WaitingWrites();
        this.applier = new Applier(stateMachine, appliedTerm, trigger, new NodeMetrics(), executor, waiting);
        AppliedReads applied = applier;
        if (mutations.contains(Mutation.FOLLOWER_READ_BEFORE_APPLIED)) {
            applied = new AppliedReads() {
                @Override
                public <T> CompletableFuture<T> readAt(long index, Function<KvStateMachine, T> read) {
                    return core.role() == Role.LEADER ? applier.readAt(index, read) : applier.readNow(read);
                }
            };
        }
        this.reads = new LinearizableReads(core, applied);
        this.steps = new CommitSteps(nodeId, applier, reads);
        snapshotter.onWriteEnd(applier::snapshotIfRequested);
        this.snapshotSteps = new SnapshotSteps(nodeId, compactionTail, core, log, whenIdle, applier, store,
                new TransitionLog(nodeId, SimulatedMembership.SILENT), restoredAtStart,
                (to, ok) -> snapshots.executeOnLoop(() -> core.reportSnapshot(to, ok)));
        snapshotSteps.sender(snapshots::send);
        stepsLater[0] = snapshotSteps;
    }

    /** The simulator's snapshots as the production parts see them. */
    private SnapshotStore store(Snapshots snapshots) {
        return new SnapshotStore() {
            @Override
            public SnapshotInfo write(SnapshotMeta meta, SnapshotFiles.BodyWriter body) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                try {
                    body.writeTo(out);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                byte[] data = out.toByteArray();
                snapshots.written(meta, data);
                return info(meta, data.length);
            }

            @Override
            public List<SnapshotInfo> list() {
                return snapshots.held().stream().map(m -> info(m, 0)).toList();
            }

            @Override
            public boolean holds(SnapshotMeta meta) {
                return snapshots.holds(meta);
            }

            @Override
            public Applier.SnapshotSource source(SnapshotMeta meta) {
                return limits -> {
                    loading = snapshots.load(meta);
                    return new SnapshotFiles.Loaded(meta, loading);
                };
            }

            @Override
            public String describe(SnapshotMeta meta) {
                return "simulated snapshot " + meta.getIndex() + "/" + meta.getTerm();
            }
        };
    }

    private static SnapshotInfo info(SnapshotMeta meta, long size) {
        return new SnapshotInfo(meta.getIndex(), meta.getTerm(), size, 0,
                java.nio.file.Path.of(SnapshotFiles.name(meta)));
    }

    /** The core accepted the snapshot at {@code meta}: installed as the production {@code SnapshotSteps} does. */
    public void install(SnapshotMeta meta) {
        // The mutation: the install task (the one task restore queues) jumps the queue of committed entries.
        installAheadNow = installAhead;
        snapshotSteps.install(meta);
        installAheadNow = false;
    }

    /** The core asks for its snapshot to go to a follower ({@code MSG_SNAPSHOT}). */
    public void sendSnapshot(Message m) {
        snapshotSteps.send(m);
    }

    Applier applier() {
        return applier;
    }

    /** The state machine as the apply thread last left it (for the simulator's checks). */
    public KvStateMachine stateMachine() {
        return stateMachine;
    }

    public long appliedIndex() {
        return applier.appliedIndex();
    }

    /** A write this node proposed at {@code index} in {@code term}: {@code future} completes when it is applied. */
    public void await(long index, long term, long deadlineMillis, CompletableFuture<Applied> future) {
        applier.await(index, term, TimeUnit.MILLISECONDS.toNanos(deadlineMillis), future);
    }

    /** The loop's reaction to a role or leader change in a Ready (before persisting it). */
    public void roleChanged(Ready.SoftState state) {
        steps.roleChanged(state);
    }

    /** The loop's steps once {@code ready} is durable: apply, fail writes of a lost leadership, confirmed reads. */
    public void afterPersist(Ready ready, long commitIndex) {
        steps.afterPersist(ready, commitIndex);
    }

    /** A linearizable read of {@code key}: {@code read} runs on the state machine once ReadIndex allows. */
    public <T> void read(Function<KvStateMachine, T> read, long deadlineMillis, CompletableFuture<Object> future) {
        reads.submit(new LinearizableReads.Read(TimeUnit.MILLISECONDS.toNanos(deadlineMillis), read, future));
    }

    /** Fails the writes and reads whose deadline passed, as the production loop does every few ticks. */
    public void expire(long nowMillis, String lastKnownLeader) {
        long now = TimeUnit.MILLISECONDS.toNanos(nowMillis);
        applier.expire(now);
        reads.expire(now, lastKnownLeader == null ? "no leader is known" : "last known leader: " + lastKnownLeader,
                lastKnownLeader);
    }

    /** The gRPC status a failed future of the apply path carries. */
    public static Status status(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof RequestFailedException failed ? failed.status() : Status.fromThrowable(cause);
    }

    /** A read of one key, as clients ask for it. */
    public static Function<KvStateMachine, ByteString> get(ByteString key) {
        return sm -> sm.get(key).orElse(null);
    }
}
