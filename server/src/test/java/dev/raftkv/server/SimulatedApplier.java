package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

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

    private final Applier applier;
    private final LinearizableReads reads;
    private final CommitSteps steps;
    private final boolean installAhead;
    private boolean installAheadNow;
    private KvStateMachine stateMachine;
    private KvStateMachine loading;

    public SimulatedApplier(String nodeId, RaftNode core, KvStateMachine stateMachine, long appliedTerm,
                            ApplyThread thread, Hooks hooks, Set<Mutation> mutations) {
        this.stateMachine = stateMachine;
        this.installAhead = mutations.contains(Mutation.INSTALL_AHEAD_OF_QUEUED_ENTRIES);
        ApplyExecutor executor = new ApplyExecutor() {
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
        SnapshotTrigger trigger = new SnapshotTrigger() {
            @Override
            public void afterApply(KvStateMachine machine, long term) {
                hooks.afterApply(machine, term);
            }

            @Override
            public void installed(long index) {
                SimulatedApplier.this.stateMachine = loading;
                hooks.installed(index, loading);
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

    /** Installs a snapshot the core accepted, on the apply thread after what was queued before. */
    public void restore(SnapshotMeta meta, Supplier<KvStateMachine> load) {
        Applier.SnapshotSource source = limits -> {
            loading = load.get();
            return new SnapshotFiles.Loaded(meta, loading);
        };
        // The mutation: the install task (the one task restore queues) jumps the queue of committed entries.
        installAheadNow = installAhead;
        applier.restore("snapshot " + meta.getIndex(), source, meta.getIndex(), meta.getTerm());
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
