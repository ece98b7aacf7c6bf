package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.NotLeaderException;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.RefusedException;
import dev.raftkv.raft.Removal;
import dev.raftkv.raft.Role;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Objects;
import io.grpc.Status;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One raftkv node: the event loop that owns the pure {@link RaftNode} core and turns
 * its {@link Ready} batches into I/O, the apply path, and the peer transport. The
 * same class runs under the plain {@link Launcher} and inside the Liberty application.
 *
 * <p>The event loop, one thread, does in each round: take every queued event
 * (peer messages, client proposals, reads), propose the proposals as one batch, tick
 * when due, then for each Ready: send the messages that may go first (the leader
 * replicates while it writes its own disk, thesis §10.2.1), append and sync once
 * (group commit), send votes and acknowledgements, hand committed entries to the
 * {@link Applier}, and advance. A storage error stops the node.
 *
 * <p>Requests: a follower forwards writes to the leader and answers with the
 * leader's result; during an election, requests wait until a leader is known or their
 * deadline passes (then UNAVAILABLE with the last known leader). Linearizable reads use
 * ReadIndex on any node. Proposals beyond {@code maxPendingProposals} are refused at
 * once with RESOURCE_EXHAUSTED.
 *
 * <p>Thread-safety: the public methods may be called from any thread.
 */
public final class RaftServer implements AutoCloseable {

    private static final Logger LOG = System.getLogger(RaftServer.class.getName());
    private static final int MAX_EVENTS_PER_ROUND = 65_536;

    private sealed interface Event permits Inbound, Propose, Read, Task, AfterForward {
    }

    private record Inbound(Message message) implements Event {
    }

    private record Propose(PendingWrite write) implements Event {
    }

    private record Read(long deadlineNanos, Function<KvStateMachine, ?> read, CompletableFuture<Object> future)
            implements Event {
    }

    private record Task(Runnable action) implements Event {
    }

    /** A forwarded write's follow-up: if the loop stops first, the write's outcome is unknown. */
    private record AfterForward(PendingWrite write, Runnable action) implements Event {
    }

    /** A leadership transfer this node, as leader, waits to see complete. */
    private record PendingTransfer(String target, long deadlineNanos, CompletableFuture<String> future) {
    }

    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final NodeConfig config;
    private final TimeSource time;
    private final RandomGenerator random;
    private final ThreadFactory threadFactory;
    private final BlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger pendingProposals = new AtomicInteger();
    private final TransitionLog transitions;
    private final NodeMetrics metrics = new NodeMetrics();
    private final ElectionDiagnostics elections;

    // Owned by the event loop thread once started.
    private LogStore store;
    private RaftNode core;
    private Applier applier;
    private PeerTransport transport;
    private final List<PendingWrite> batch = new ArrayList<>();
    private final List<PendingWrite> parkedProposals = new ArrayList<>();
    private WriteForwarder forwarder;
    private final List<Read> parkedReads = new ArrayList<>();
    private final Map<Long, Read> readsInFlight = new HashMap<>();
    private long nextReadId = 1;
    private String lastKnownLeader;
    private long ticks;
    private SnapshotFiles snapshotFiles;
    private Snapshotter snapshotter;
    private SnapshotSender snapshotSender;
    private SnapshotReceiver snapshotReceiver;
    /** The snapshot the state machine was loaded from at start, until the core no longer needs it handed back. */
    private SnapshotMeta restoredAtStart;
    /** Every member's addresses: the configured ones, overridden by those the configuration in the log carries. */
    private volatile Map<String, Member> memberAddresses = Map.of();
    /** Members' addresses the cluster answered this node's join with (its configuration then); any thread reads. */
    private volatile Map<String, Member> joinAddresses = Map.of();
    private JoinProgress joinProgress;
    /** What every client request gets once this node knows it was removed; null while it is a member. */
    private volatile NodeRemovedException removedError;
    private final List<PendingTransfer> pendingTransfers = new ArrayList<>();
    /** Set when this node stopped leading in the Ready being processed: its waiting writes fail after it applies. */
    private Ready.SoftState lostLeadership;
    private Thread joiner;

    private Thread loop;
    /** Held from start to close: no second node and no WAL migration uses the data directory meanwhile. */
    private DataDirectory.Lock dataLock;
    private GrpcEndpoints endpoints;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile NodeStatus lastStatus;

    public RaftServer(NodeConfig config, TimeSource time, RandomGenerator random, ThreadFactory threadFactory) {
        this.config = config;
        this.time = time;
        this.random = random;
        this.threadFactory = threadFactory;
        this.transitions = new TransitionLog(config.nodeId());
        this.elections = new ElectionDiagnostics(transitions, metrics, RaftServer::gcMillis);
    }

    /** The JVM's total time in garbage collection so far, in milliseconds (for election reports). */
    private static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc
                : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    public NodeConfig config() {
        return config;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    /**
     * Opens the data directory and the log, restores the state (the log is replayed
     * into the state machine as the core hands out committed entries) and starts the
     * event loop. Peers are contacted as soon as there is something to send.
     *
     * @throws ConfigException if the data directory is unusable or another cluster's
     * @throws dev.raftkv.storage.StorageException if the log cannot be opened (e.g. corrupt)
     */
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("node " + config.nodeId() + " is already running");
        }
        DataDirectory data = DataDirectory.open(config.dataDir(), config.clusterId(), config.nodeId());
        dataLock = data.lock();
        try {
            startLocked(data);
        } catch (RuntimeException | Error e) {
            if (loop == null) {
                // Not started: nothing else will release the directory (close() does once the loop runs).
                dataLock.close();
            }
            throw e;
        }
    }

    private void startLocked(DataDirectory data) {
        LogStoreProvider backend = WalBackends.check(data, config.walBackend());
        snapshotFiles = new SnapshotFiles(data.snapshots(), config.snapshots().retain());
        snapshotFiles.deleteTemporaryFiles();
        long openStart = time.nanoTime();
        store = backend.open(data.wal());
        long opened = time.nanoTime();
        SnapshotFiles.Loaded loaded;
        try {
            loaded = loadNewestSnapshot(store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        SnapshotMeta snapshot = loaded == null ? null : loaded.meta();
        // A joining node starts with no voters: the configuration comes from the cluster's log.
        List<String> voters = config.join() != null ? List.of() : List.copyOf(config.members().keySet());
        RaftConfig raftConfig = RaftConfig.defaults(config.nodeId(), voters, random)
                .withTicks(config.electionTicks(), config.heartbeatTicks());
        if (snapshot != null) {
            raftConfig = raftConfig.withAppliedIndex(snapshot.getIndex());
        }
        long restored = time.nanoTime();
        try {
            core = new RaftNode(raftConfig, store, snapshot);
        } catch (IllegalStateException e) {
            store.close();
            throw new StorageException("node " + config.nodeId() + " cannot start on " + data.root() + ": "
                    + e.getMessage() + "; restore the data directory from a backup, or delete it and start the node"
                    + " again to let it catch up from the leader by snapshot", e);
        }
        long built = time.nanoTime();
        restoredAtStart = snapshot;
        memberAddresses = addresses(core.confState());
        // a node whose log already lists it joined before: it restarts as any member does
        joinProgress = new JoinProgress(config.join() != null && !lists(core.confState(), config.nodeId()));
        snapshotter = new Snapshotter(snapshotFiles, config.snapshots(), threadFactory, this::onSnapshotWritten,
                time::nanoTime, metrics, snapshot == null ? 0 : snapshot.getIndex());
        applier = new Applier(loaded == null ? new KvStateMachine() : loaded.stateMachine(),
                snapshot == null ? 0 : snapshot.getTerm(), snapshotter, metrics, threadFactory);
        transport = new PeerTransport(config.nodeId(), reachable().values(), threadFactory, time::nanoTime);
        forwarder = new WriteForwarder(config.nodeId(), transport, metrics, new ForwarderLoop());
        snapshotSender = new SnapshotSender(config.nodeId(), transport::channel, threadFactory,
                (to, ok) -> inbox.add(new Task(() -> core.reportSnapshot(to, ok))), transitions, time::nanoTime);
        snapshotReceiver = new SnapshotReceiver(config.nodeId(), snapshotFiles, this::receive, transitions,
                time::nanoTime);
        snapshotReceiver.deleteLeftovers();
        transitions.event("start", core.term(), "backend=" + config.walBackend() + " snapshot="
                + (snapshot == null ? 0 : snapshot.getIndex()) + " firstIndex=" + core.firstIndex() + " lastIndex="
                + core.lastIndex() + " commit=" + core.commitIndex() + " voters=" + core.voters() + " learners="
                + core.learners() + (config.join() != null ? " join=" + config.join() : "")
                + String.format(" log_open_ms=%d snapshot_load_ms=%d core_ms=%d", (opened - openStart) / 1_000_000,
                        (restored - opened) / 1_000_000, (built - restored) / 1_000_000));
        running = true;
        refreshStatus();
        loop = threadFactory.newThread(this::runLoop);
        loop.setName("raftkv-loop-" + config.nodeId());
        loop.start();
        try {
            endpoints = GrpcEndpoints.start(this, threadFactory);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (config.join() != null) {
            joiner = threadFactory.newThread(this::runJoiner);
            joiner.setName("raftkv-join-" + config.nodeId());
            joiner.setDaemon(true);
            joiner.start();
        }
    }

    /**
     * Loads the newest snapshot that passes its checks. A corrupt one is reported and set
     * aside ({@code .corrupt}); an older one is used only if the log still holds every
     * entry after it.
     *
     * @return null when there is no snapshot and the log starts at index 1
     * @throws StorageException if the log starts after every valid snapshot
     */
    private SnapshotFiles.Loaded loadNewestSnapshot(LogStore log) {
        long needed = log.firstIndex() - 1;
        SnapshotCorruptException corrupt = null;
        for (SnapshotInfo info : snapshotFiles.list()) {
            SnapshotFiles.Loaded loaded;
            try {
                loaded = SnapshotFiles.load(info.file(), SessionLimits.DEFAULT);
            } catch (SnapshotCorruptException e) {
                LOG.log(Level.ERROR, "node " + config.nodeId() + ": " + e.getMessage());
                transitions.event("snapshot-corrupt", 0, "file=" + info.file().getFileName() + " reason=\""
                        + e.getMessage() + "\"");
                setAside(info.file());
                corrupt = corrupt == null ? e : corrupt;
                continue;
            }
            if (loaded.meta().getIndex() < needed) {
                throw new StorageException("node " + config.nodeId() + " cannot restore its state: the newest valid"
                        + " snapshot " + info.file() + " stands at index " + loaded.meta().getIndex() + " but the log"
                        + " starts at index " + (needed + 1) + ", so the entries between are gone"
                        + (corrupt == null ? "" : " (" + corrupt.getMessage() + ")")
                        + "; restore the data directory from a backup or let the node rejoin empty");
            }
            if (corrupt != null) {
                LOG.log(Level.WARNING, "node " + config.nodeId() + ": using the older snapshot at index "
                        + loaded.meta().getIndex() + "; the log holds every entry after it");
            }
            return loaded;
        }
        if (needed > 0) {
            throw new StorageException("node " + config.nodeId() + " cannot restore its state: the log starts at index "
                    + (needed + 1) + " but no valid snapshot covers the entries before it"
                    + (corrupt == null ? "" : " (" + corrupt.getMessage() + ")"));
        }
        return null;
    }

    private static void setAside(Path file) {
        try {
            Files.move(file, file.resolveSibling(file.getFileName() + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot rename corrupt snapshot " + file + ": " + e.getMessage());
        }
    }

    SnapshotReceiver snapshotReceiver() {
        return snapshotReceiver;
    }

    /** The port clients connect to (the configured one, or the one bound when configured as 0). */
    public int clientPort() {
        return endpoints.clientPort();
    }

    /** The port peers connect to. */
    public int peerPort() {
        return endpoints.peerPort();
    }

    /** Whether the node runs; false after {@link #close()} or after a fatal error ({@link #failure()}). */
    public boolean isRunning() {
        return running;
    }

    /** The error that stopped the node, if one did. */
    public Throwable failure() {
        return failure;
    }

    // ---------------------------------------------------------------- requests (any thread)

    /** Hands a message from a peer to the event loop. */
    public void receive(Message message) {
        if (running) {
            elections.arrived(message, time.nanoTime());
            inbox.add(new Inbound(message));
        }
    }

    /**
     * Proposes a command and completes with its result once applied here (leader) or on
     * the leader (follower, forwarded). Fails with {@link RequestFailedException}:
     * RESOURCE_EXHAUSTED when too many proposals wait, UNAVAILABLE without a leader until
     * the deadline, DEADLINE_EXCEEDED when the outcome is unknown.
     *
     * @param forwarded true for a write another node forwarded here: it is not forwarded again
     */
    public CompletableFuture<Applied> write(Command command, long deadlineNanos, boolean forwarded) {
        CompletableFuture<Applied> future = new CompletableFuture<>();
        if (!running) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
            return future;
        }
        if (pendingProposals.incrementAndGet() > config.maxPendingProposals()) {
            pendingProposals.decrementAndGet();
            metrics.rejectedProposals.increment();
            future.completeExceptionally(new RequestFailedException(Status.RESOURCE_EXHAUSTED.withDescription(
                    "more than " + config.maxPendingProposals() + " proposals are waiting on node "
                            + config.nodeId() + "; retry later"), lastKnownLeader));
            return future;
        }
        future.whenComplete((r, e) -> pendingProposals.decrementAndGet());
        Command stamped = command.toBuilder().setTimestampMillis(time.currentTimeMillis()).build();
        inbox.add(new Propose(new PendingWrite(command, stamped.toByteString(), deadlineNanos, future, forwarded)));
        return future;
    }

    /**
     * Runs {@code read} on the state machine once it reflects every write acknowledged
     * before this call (ReadIndex, thesis §6.4).
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> readLinearizable(Function<KvStateMachine, T> read, long deadlineNanos) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        if (!running) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
        } else if (removedError != null) {
            future.completeExceptionally(removedError);
        } else {
            inbox.add(new Read(deadlineNanos, read, future));
        }
        return (CompletableFuture<T>) future;
    }

    /**
     * Runs {@code read} on this node's state machine as it is now: possibly stale, never
     * blocked by elections. Fails with {@link NodeRemovedException} on a removed node,
     * whose state no longer follows the cluster's.
     */
    public <T> CompletableFuture<T> readSerializable(Function<KvStateMachine, T> read) {
        NodeRemovedException removed = removedError;
        return removed != null ? CompletableFuture.failedFuture(removed) : applier.readNow(read);
    }

    /**
     * The error every client request gets because this node was removed from the cluster,
     * or null while it is a member. Any thread.
     */
    public NodeRemovedException removedError() {
        return removedError;
    }

    /** The status as of the last event-loop round (at most one tick old). */
    public NodeStatus status() {
        return lastStatus;
    }

    /** Completes once the event loop has run {@code action} (for tests and admin tasks that need the loop). */
    public CompletableFuture<Void> onLoop(Runnable action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        inbox.add(new Task(() -> {
            action.run();
            done.complete(null);
        }));
        return done;
    }

    // ---------------------------------------------------------------- administration (any thread)

    /**
     * Changes the membership by one node (thesis §4.1): add a learner, promote a caught-up
     * learner, or remove a voter or learner (the leader too). Any node takes the request;
     * a follower forwards it to the leader.
     *
     * @return the configuration after the change, once the change is committed and applied
     *     on the leader. Fails with {@link RequestFailedException}: INVALID_ARGUMENT for a
     *     malformed request; ALREADY_EXISTS (already a member), NOT_FOUND (not a member),
     *     FAILED_PRECONDITION (not a learner, the last voter, a learner still lagging);
     *     UNAVAILABLE to retry later (no leader, another change not committed yet, a new
     *     leader not ready, a transfer in progress); ABORTED or DEADLINE_EXCEEDED when the
     *     outcome is unknown. The status description starts with the refusal's reason.
     */
    public CompletableFuture<ConfState> changeMembership(ConfChange change, long deadlineNanos) {
        return changeMembership(change, deadlineNanos, false).thenApply(ConfApplied::conf);
    }

    /** A membership change that took effect: the configuration after it, applied at {@code index} on the leader. */
    record ConfApplied(ConfState conf, long index) {
    }

    CompletableFuture<ConfApplied> changeMembership(ConfChange change, long deadlineNanos, boolean forwarded) {
        CompletableFuture<ConfApplied> future = new CompletableFuture<>();
        String invalid = validate(change);
        if (invalid != null) {
            future.completeExceptionally(new RequestFailedException(Status.INVALID_ARGUMENT.withDescription(invalid),
                    lastKnownLeader));
        } else if (!running) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
        } else {
            inbox.add(new Task(() -> proposeConfChange(change, deadlineNanos, future, forwarded)));
        }
        return future;
    }

    private static String validate(ConfChange change) {
        if (!NODE_ID.matcher(change.getNodeId()).matches()) {
            return "node id '" + change.getNodeId() + "' must be 1 to 64 letters, digits, '.', '_' or '-'";
        }
        if (change.getType() == ConfChangeType.CONF_CHANGE_ADD_LEARNER) {
            if (change.getPeerAddress().isEmpty()) {
                return "a new member needs its peer address (host:port)";
            }
            try {
                Member.of(change.getNodeId(), change.getPeerAddress(), change.getClientAddress());
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        } else if (change.getType() != ConfChangeType.CONF_CHANGE_PROMOTE
                && change.getType() != ConfChangeType.CONF_CHANGE_REMOVE) {
            return "unknown membership change type " + change.getType();
        }
        return null;
    }

    private void proposeConfChange(ConfChange change, long deadlineNanos, CompletableFuture<ConfApplied> future,
                                   boolean forwarded) {
        if (core.role() == Role.LEADER) {
            try {
                // the new configuration carries every member's address, for nodes that know only the log
                Proposal proposal = core.proposeConfChange(change, knownAddresses());
                ConfState next = core.confState();
                CompletableFuture<Applied> applied = new CompletableFuture<>();
                applier.await(proposal.firstIndex(), proposal.term(), deadlineNanos, applied);
                applied.whenComplete((a, e) -> {
                    if (e == null) {
                        future.complete(new ConfApplied(next, a.index()));
                    } else {
                        future.completeExceptionally(e);
                    }
                });
                transitions.event("membership-proposed", core.term(), "change=" + change.getType() + " node="
                        + change.getNodeId() + " index=" + proposal.firstIndex());
            } catch (RefusedException e) {
                future.completeExceptionally(refused(e));
            }
        } else {
            forwardToLeader(ForwardRequest.newBuilder().setConfChange(change).build(), deadlineNanos, forwarded,
                    future, response -> new ConfApplied(response.getConf(), response.getIndex()));
        }
    }

    /**
     * A leader-only request reached a node that does not lead: passes it on to the leader
     * (unless it was forwarded here already) and completes {@code future} with the
     * leader's answer, or fails it UNAVAILABLE when no leader is known.
     */
    private <T> void forwardToLeader(ForwardRequest request, long deadlineNanos, boolean forwarded,
                                     CompletableFuture<T> future, Function<ForwardResponse, T> answer) {
        String leader = core.leaderId();
        if (forwarded) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is no longer the leader"));
        } else if (leader == null) {
            future.completeExceptionally(unavailable("no leader is known to node " + config.nodeId()
                    + " (an election is under way); retry shortly"));
        } else {
            transport.forward(leader, request, remainingMillis(deadlineNanos)).whenComplete((response, error) -> {
                if (error == null) {
                    future.complete(answer.apply(response));
                } else {
                    future.completeExceptionally(forwardFailure(error, leader));
                }
            });
        }
    }

    /**
     * Hands leadership to voter {@code target} (thesis §3.10, TimeoutNow). Any node takes
     * the request; a follower forwards it to the leader.
     *
     * @return the new leader's id, once it leads. Fails with {@link RequestFailedException}:
     *     FAILED_PRECONDITION if the target is not a voter or lags behind the leader,
     *     NOT_FOUND if it is not a member, UNAVAILABLE without a leader or while another
     *     transfer runs, DEADLINE_EXCEEDED if it did not take over in time.
     */
    public CompletableFuture<String> transferLeadership(String target, long deadlineNanos) {
        return transferLeadership(target, deadlineNanos, false);
    }

    CompletableFuture<String> transferLeadership(String target, long deadlineNanos, boolean forwarded) {
        CompletableFuture<String> future = new CompletableFuture<>();
        if (target == null || !NODE_ID.matcher(target).matches()) {
            future.completeExceptionally(new RequestFailedException(Status.INVALID_ARGUMENT.withDescription(
                    "target node id '" + target + "' must be 1 to 64 letters, digits, '.', '_' or '-'"), null));
        } else if (!running) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
        } else {
            inbox.add(new Task(() -> startTransfer(target, deadlineNanos, future, forwarded)));
        }
        return future;
    }

    private void startTransfer(String target, long deadlineNanos, CompletableFuture<String> future,
                               boolean forwarded) {
        if (core.role() == Role.LEADER) {
            if (target.equals(config.nodeId())) {
                future.complete(target);
                return;
            }
            if (!core.voters().contains(target) && !core.learners().contains(target)) {
                future.completeExceptionally(new RequestFailedException(Status.NOT_FOUND.withDescription(
                        "NOT_A_MEMBER: node " + target + " is not a member"), config.nodeId()));
                return;
            }
            try {
                core.transferLeadership(target);
                pendingTransfers.add(new PendingTransfer(target, deadlineNanos, future));
                transitions.event("transfer", core.term(), "to=" + target);
            } catch (RefusedException e) {
                future.completeExceptionally(refused(e));
            }
        } else if (target.equals(core.leaderId())) {
            future.complete(target);
        } else {
            forwardToLeader(ForwardRequest.newBuilder().setTransferTo(target).build(), deadlineNanos, forwarded,
                    future, ForwardResponse::getLeaderId);
        }
    }

    private RequestFailedException refused(RefusedException e) {
        Status status = switch (e.reason()) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case ALREADY_MEMBER -> Status.ALREADY_EXISTS;
            case NOT_A_MEMBER -> Status.NOT_FOUND;
            case CHANGE_PENDING, LEADER_NOT_READY, TRANSFER_IN_PROGRESS -> Status.UNAVAILABLE;
            case NOT_A_LEARNER, TARGET_LAGGING, LAST_VOTER, NOT_A_VOTER -> Status.FAILED_PRECONDITION;
        };
        return new RequestFailedException(status.withDescription(e.reason() + ": " + e.getMessage()), core.leaderId());
    }

    private static RequestFailedException forwardFailure(Throwable error, String leader) {
        if (error instanceof io.grpc.StatusRuntimeException sre) {
            return new RequestFailedException(sre.getStatus(), leader);
        }
        return new RequestFailedException(Status.UNAVAILABLE.withDescription("forwarding to leader " + leader
                + " failed: " + error), leader);
    }

    private long remainingMillis(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - time.nanoTime());
    }

    /**
     * Takes a snapshot of this node's state now (writes go on meanwhile) and compacts its
     * log behind it.
     *
     * @return the snapshot written, or the newest one if nothing was applied since
     */
    public CompletableFuture<SnapshotInfo> takeSnapshot() {
        if (!running) {
            return CompletableFuture.failedFuture(unavailable("node " + config.nodeId() + " is not running"));
        }
        CompletableFuture<SnapshotInfo> future = snapshotter.request();
        applier.snapshotIfRequested();
        return future;
    }

    /** The snapshot files this node holds, newest first. A file stays readable once opened, even if pruned. */
    public List<SnapshotInfo> snapshots() {
        return snapshotFiles.list();
    }

    // ---------------------------------------------------------------- joining a cluster

    /**
     * A node started with {@code raftkv.join}: asks the cluster, through the member at that
     * address, to add it as a learner, then (with auto-promotion) to promote it once it
     * has caught up. Retries with backoff until it is a voter or the node stops.
     */
    private void runJoiner() {
        Member self = config.self();
        ConfChange add = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER)
                .setNodeId(config.nodeId()).setPeerAddress(self.peerAddress())
                .setClientAddress(self.host() + ":" + clientPort()).build();
        ConfChange promote = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_PROMOTE)
                .setNodeId(config.nodeId()).build();
        long backoffMillis = 200;
        while (running) {
            NodeStatus status = lastStatus;
            NodeStatus.MemberStatus me = status.member(config.nodeId());
            boolean added = me != null;
            if (added && (me.voter() || !config.joinAutoPromote())) {
                transitions.event("joined", status.term(), "as=" + (me.voter() ? "voter" : "learner"));
                return;
            }
            ConfChange change = added ? promote : add;
            try {
                ForwardResponse response = transport.forwardToAddress(config.join(),
                        ForwardRequest.newBuilder().setConfChange(change).setMayForward(true).build(),
                        config.requestTimeout().toMillis()).get();
                LOG.log(Level.INFO, "node " + config.nodeId() + ": " + change.getType() + " accepted at index "
                        + response.getIndex() + "; voters=" + response.getConf().getVotersList() + " learners="
                        + response.getConf().getLearnersList());
                inbox.add(new Task(() -> learnedAtJoin(response)));
            } catch (java.util.concurrent.ExecutionException e) {
                String why = String.valueOf(e.getCause().getMessage());
                if (!why.contains("ALREADY_MEMBER") && !why.contains("NOT_A_LEARNER")) {
                    LOG.log(Level.INFO, "node " + config.nodeId() + ": " + change.getType() + " via " + config.join()
                            + " not done yet: " + why);
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, 2_000);
        }
    }

    /**
     * The cluster answered this joining node's membership request: it learns every member's
     * address from the configuration in the answer (it may know none but its own, and cannot
     * answer a leader it has no address for) and the index it must apply to be caught up.
     */
    private void learnedAtJoin(ForwardResponse response) {
        Map<String, Member> learned = new LinkedHashMap<>(joinAddresses);
        for (dev.raftkv.proto.Member m : response.getConf().getMembersList()) {
            try {
                learned.put(m.getId(), Member.of(m.getId(), m.getPeerAddress(), m.getClientAddress()));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "node " + config.nodeId() + ": the cluster's answer carries a bad address: "
                        + e.getMessage());
            }
        }
        learned.remove(config.nodeId());
        joinAddresses = learned;
        transport.updateMembers(reachable().values());
        joinProgress.learned(response.getIndex());
        transitions.event("join-answer", core.term(), "index=" + response.getIndex() + " members="
                + learned.keySet());
    }

    // ---------------------------------------------------------------- the event loop

    private void runLoop() {
        long tickNanos = config.tickInterval().toNanos();
        long nextTick = time.nanoTime() + tickNanos;
        try {
            while (running) {
                long wait = nextTick - time.nanoTime();
                Event event = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
                long roundStart = time.nanoTime();
                int handled = 0;
                while (event != null && handled < MAX_EVENTS_PER_ROUND) {
                    handle(event);
                    handled++;
                    event = inbox.poll();
                }
                if (event != null) {
                    handle(event);
                }
                proposeBatch();
                long now = time.nanoTime();
                if (now - nextTick >= 0) {
                    core.tick();
                    ticks++;
                    nextTick = now - nextTick > 5 * tickNanos ? now + tickNanos : nextTick + tickNanos;
                    if (ticks % 5 == 0) {
                        expireDeadlines(now);
                    }
                }
                processReady();
                refreshStatus();
                elections.roundFinished(roundStart, time.nanoTime());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
            running = false;
            LOG.log(Level.ERROR, "node " + config.nodeId() + " stopped: " + e, e);
            transitions.event("stopped", core.term(), "error=\"" + e + "\"");
        } finally {
            failEverything(unavailable("node " + config.nodeId() + " stopped"));
        }
    }

    private void handle(Event event) {
        if (removedError != null && refuseAsRemoved(event)) {
            return;
        }
        if (event instanceof Inbound in) {
            elections.handled(in.message(), time.nanoTime());
            core.step(in.message());
        } else if (event instanceof Propose p) {
            batch.add(p.write());
        } else if (event instanceof AfterForward f) {
            f.action().run();
        } else if (event instanceof Read r) {
            dispatchRead(r);
        } else if (event instanceof Task t) {
            t.action().run();
        }
    }

    private void proposeBatch() {
        if (batch.isEmpty()) {
            return;
        }
        if (core.role() == Role.LEADER) {
            List<ByteString> commands = new ArrayList<>(batch.size());
            for (PendingWrite p : batch) {
                commands.add(p.command);
            }
            Proposal proposal = core.propose(commands);
            for (int i = 0; i < batch.size(); i++) {
                PendingWrite p = batch.get(i);
                applier.await(proposal.firstIndex() + i, proposal.term(), p.deadlineNanos, p.future);
            }
            metrics.proposals.add(batch.size());
        } else {
            forwarder.forward(batch);
        }
        batch.clear();
    }

    /** The event loop as the {@link WriteForwarder} sees it. */
    private final class ForwarderLoop implements WriteForwarder.Loop {
        @Override
        public boolean execute(PendingWrite write, Runnable task) {
            if (!running) {
                return false;
            }
            inbox.add(new AfterForward(write, task));
            return true;
        }

        @Override
        public void park(PendingWrite write) {
            parkedProposals.add(write);
        }

        @Override
        public String leaderId() {
            return core.leaderId();
        }

        @Override
        public long nanoTime() {
            return time.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return time.currentTimeMillis();
        }
    }

    private void dispatchRead(Read r) {
        if (core.role() != Role.LEADER && core.leaderId() == null) {
            parkedReads.add(r);
            return;
        }
        long id = nextReadId++;
        try {
            core.readIndex(id);
            readsInFlight.put(id, r);
        } catch (NotLeaderException e) {
            parkedReads.add(r);
        }
    }

    private void processReady() {
        while (core.hasReady()) {
            Ready ready = core.ready();
            if (!ready.electionEvents().isEmpty()) {
                elections.report(ready.electionEvents(), time.nanoTime());
            }
            if (ready.softState() != null) {
                onSoftState(ready.softState());
            }
            if (ready.confState() != null) {
                onConfState(ready.confState());
            }
            for (Message m : ready.messages()) {
                send(m);
            }
            if (ready.snapshot() != null) {
                installSnapshot(ready.snapshot());
            }
            if (!ready.entries().isEmpty()) {
                store.append(ready.entries());
                long bytes = 0;
                for (Entry entry : ready.entries()) {
                    bytes += entry.getSerializedSize();
                }
                snapshotter.logWritten(bytes);
            }
            if (ready.hardState() != null) {
                store.setHardState(ready.hardState());
            }
            if (ready.mustSync()) {
                long start = time.nanoTime();
                store.sync();
                long syncNanos = time.nanoTime() - start;
                metrics.recordSync(syncNanos);
                elections.synced(syncNanos);
            }
            for (Message m : ready.messagesAfterPersist()) {
                send(m);
            }
            applier.apply(ready.committedEntries());
            if (lostLeadership != null) {
                Ready.SoftState state = lostLeadership;
                lostLeadership = null;
                applier.failAbove(core.commitIndex(), Status.ABORTED.withDescription("node " + config.nodeId()
                        + " lost leadership in term " + state.term() + "; the write may still commit, retry it with"
                        + " the same session and sequence"), state.leaderId());
            }
            for (ReadState state : ready.readStates()) {
                Read read = readsInFlight.remove(state.requestId());
                if (read != null) {
                    applier.readAt(state.index(), read.read()).whenComplete((value, error) -> {
                        if (error == null) {
                            read.future().complete(value);
                        } else {
                            read.future().completeExceptionally(error);
                        }
                    });
                }
            }
            core.advance(ready);
        }
    }

    /** Sends a message; a snapshot is streamed from its file by the {@link SnapshotSender}. */
    private void send(Message m) {
        if (m.getType() != MessageType.MSG_SNAPSHOT) {
            transport.send(m);
            return;
        }
        Path file = snapshotFiles.dir().resolve(SnapshotFiles.name(m.getSnapshot()));
        if (Files.exists(file)) {
            snapshotSender.send(m.getTo(), file, m.getSnapshot(), m.getTerm());
        } else {
            LOG.log(Level.WARNING, "node " + config.nodeId() + ": snapshot file " + file + " for " + m.getTo()
                    + " is gone");
            String to = m.getTo();
            inbox.add(new Task(() -> core.reportSnapshot(to, false)));
        }
    }

    /**
     * Installs a snapshot the core accepted from the leader: the state machine is
     * replaced from its file (on the apply thread, after what was queued before) and the
     * log restarts after it. At start-up the core may hand back the snapshot the state
     * machine was just loaded from, when the log does not hold its index: then only
     * the log is reset.
     */
    private void installSnapshot(SnapshotMeta meta) {
        if (!meta.equals(restoredAtStart)) {
            applier.restore(snapshotFiles.dir().resolve(SnapshotFiles.name(meta)), meta.getIndex(), meta.getTerm());
        }
        restoredAtStart = null;
        store.reset(meta.getIndex(), meta.getTerm());
        transitions.event("snapshot-install", core.term(), "index=" + meta.getIndex() + " term=" + meta.getTerm()
                + " voters=" + meta.getConf().getVotersList() + " learners=" + meta.getConf().getLearnersList());
    }

    /** A snapshot file is durable: the core may now send it, and the log is compacted behind it. */
    private void onSnapshotWritten(SnapshotInfo info, SnapshotMeta meta) {
        inbox.add(new Task(() -> {
            SnapshotMeta latest = core.latestSnapshot();
            if ((latest != null && latest.getIndex() >= meta.getIndex()) || meta.getIndex() < core.firstIndex() - 1) {
                return;
            }
            core.snapshotTaken(meta);
            long compactTo = meta.getIndex() - config.snapshots().compactionTail();
            if (compactTo > store.firstIndex() - 1) {
                store.compact(compactTo);
                store.sync();
            }
            transitions.event("snapshot", core.term(), "index=" + meta.getIndex() + " bytes=" + info.sizeBytes()
                    + " log_first_index=" + store.firstIndex());
        }));
    }

    /** The configuration in force changed: connect to new members, drop removed ones. */
    private void onConfState(ConfState conf) {
        memberAddresses = addresses(conf);
        transport.updateMembers(reachable().values());
        transitions.event("membership", core.term(), "voters=" + conf.getVotersList() + " learners="
                + conf.getLearnersList());
    }

    /**
     * Every node this one may need to talk to: the configured members (a joining node
     * answers a leader it knows only from there) and the members of the configuration.
     */
    private Map<String, Member> reachable() {
        Map<String, Member> all = new LinkedHashMap<>(config.members());
        all.putAll(joinAddresses);
        all.putAll(memberAddresses);
        return all;
    }

    /** Every address this node knows, for the configuration a membership change writes. */
    private List<dev.raftkv.proto.Member> knownAddresses() {
        List<dev.raftkv.proto.Member> known = new ArrayList<>();
        for (Member m : reachable().values()) {
            dev.raftkv.proto.Member.Builder member = dev.raftkv.proto.Member.newBuilder().setId(m.id())
                    .setPeerAddress(m.peerAddress());
            if (m.clientAddress() != null) {
                member.setClientAddress(m.clientAddress());
            }
            known.add(member.build());
        }
        return known;
    }

    private static boolean lists(ConfState conf, String id) {
        return conf.getVotersList().contains(id) || conf.getLearnersList().contains(id);
    }

    /** Addresses of the members of {@code conf}: those it carries, else the configured ones. */
    private Map<String, Member> addresses(ConfState conf) {
        Map<String, Member> carried = new HashMap<>();
        for (dev.raftkv.proto.Member m : conf.getMembersList()) {
            try {
                carried.put(m.getId(), Member.of(m.getId(), m.getPeerAddress(), m.getClientAddress()));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "configuration carries a bad address: " + e.getMessage());
            }
        }
        Map<String, Member> result = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(conf.getVotersList());
        ids.addAll(conf.getLearnersList());
        if (!ids.contains(config.nodeId())) {
            ids.add(config.nodeId());
        }
        for (String id : ids) {
            Member member = carried.getOrDefault(id, config.members().get(id));
            if (member != null) {
                result.put(id, member);
            } else {
                LOG.log(Level.WARNING, "node " + config.nodeId() + ": no address known for member " + id);
            }
        }
        return result;
    }

    private void onSoftState(Ready.SoftState state) {
        transitions.onSoftState(state);
        if (state.leaderId() != null && !state.leaderId().equals(lastKnownLeader)) {
            metrics.leaderChanges.increment();
        }
        if (state.leaderId() != null) {
            lastKnownLeader = state.leaderId();
        }
        for (Iterator<PendingTransfer> it = pendingTransfers.iterator(); it.hasNext();) {
            PendingTransfer t = it.next();
            if (t.target().equals(state.leaderId())) {
                it.remove();
                t.future().complete(t.target());
            } else if (state.leaderId() != null && !state.leaderId().equals(config.nodeId())) {
                it.remove();
                t.future().completeExceptionally(new RequestFailedException(Status.ABORTED.withDescription(
                        "leadership went to " + state.leaderId() + " instead of " + t.target()), state.leaderId()));
            }
        }
        if (state.role() != Role.LEADER) {
            lostLeadership = state;
        }
        // Reads waiting for a confirmation from a former leader will never get it: ask again.
        List<Read> retry = new ArrayList<>(readsInFlight.values());
        readsInFlight.clear();
        retry.addAll(parkedReads);
        parkedReads.clear();
        retry.forEach(this::dispatchRead);
        if (state.role() == Role.LEADER || state.leaderId() != null) {
            List<PendingWrite> parked = new ArrayList<>(parkedProposals);
            parkedProposals.clear();
            batch.addAll(parked);
            proposeBatch();
        }
    }

    private void expireDeadlines(long now) {
        applier.expire(now);
        for (Iterator<PendingTransfer> it = pendingTransfers.iterator(); it.hasNext();) {
            PendingTransfer t = it.next();
            boolean abandoned = core.role() == Role.LEADER && core.leadTransferee() == null;
            if (abandoned || t.deadlineNanos() - now < 0) {
                it.remove();
                t.future().completeExceptionally(new RequestFailedException((abandoned ? Status.ABORTED
                        : Status.DEADLINE_EXCEEDED).withDescription("node " + t.target() + " did not take over"
                        + (abandoned ? " within an election timeout" : " before the deadline")
                        + "; node " + config.nodeId() + " still leads"), config.nodeId()));
            }
        }
        if (!parkedProposals.isEmpty() && (core.role() == Role.LEADER || core.leaderId() != null)) {
            batch.addAll(parkedProposals);
            parkedProposals.clear();
            proposeBatch();
        }
        String hint = lastKnownLeader == null ? "no leader is known" : "last known leader: " + lastKnownLeader;
        for (Iterator<PendingWrite> it = parkedProposals.iterator(); it.hasNext();) {
            PendingWrite p = it.next();
            if (p.deadlineNanos - now < 0) {
                it.remove();
                fail(p, new RequestFailedException(Status.UNAVAILABLE.withDescription(
                        "no leader elected before the deadline (" + hint + ")"), lastKnownLeader));
            }
        }
        for (Iterator<Read> it = parkedReads.iterator(); it.hasNext();) {
            Read r = it.next();
            if (r.deadlineNanos() - now < 0) {
                it.remove();
                r.future().completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                        "no leader elected before the deadline (" + hint + ")"), lastKnownLeader));
            }
        }
        for (Iterator<Read> it = readsInFlight.values().iterator(); it.hasNext();) {
            Read r = it.next();
            if (r.deadlineNanos() - now < 0) {
                it.remove();
                r.future().completeExceptionally(new RequestFailedException(Status.DEADLINE_EXCEEDED.withDescription(
                        "leadership was not confirmed before the deadline (" + hint + ")"), lastKnownLeader));
            }
        }
    }

    private void refreshStatus() {
        ConfState conf = core.confState();
        Removal removal = core.removal();
        if (removal != null && removedError == null) {
            onRemoved(removal);
        } else if (removal == null && removedError != null) {
            removedError = null;
            transitions.event("readmitted", core.term(), "a newer configuration lists this node again");
        }
        if (joinProgress.applied(applier.appliedIndex())) {
            transitions.event("caught-up", core.term(), "applied=" + applier.appliedIndex() + " join_index="
                    + joinProgress.targetIndex());
        }
        Map<String, Long> match = core.matchIndexes();
        long last = core.lastIndex();
        Map<String, Member> addresses = memberAddresses;
        List<NodeStatus.MemberStatus> members = new ArrayList<>();
        for (String id : conf.getVotersList()) {
            members.add(memberStatus(id, true, addresses, match, last));
        }
        for (String id : conf.getLearnersList()) {
            members.add(memberStatus(id, false, addresses, match, last));
        }
        SnapshotMeta snapshot = core.latestSnapshot();
        lastStatus = new NodeStatus(config.nodeId(), core.role(), core.term(), core.leaderId(), core.commitIndex(),
                applier.appliedIndex(), core.firstIndex(), last, snapshot == null ? 0 : snapshot.getIndex(), members,
                removedError != null, joinProgress.joining(), joinProgress.targetIndex());
    }

    /**
     * This node learned it was removed (the core stopped campaigning and voting): from now on
     * every client request is refused at once, naming the members to ask instead, and so
     * are those waiting for a leader. Logged once.
     */
    private void onRemoved(Removal removal) {
        Map<String, Member> known = reachable();
        known.putAll(addresses(removal.conf()));
        Map<String, String> clients = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(removal.conf().getVotersList());
        ids.addAll(removal.conf().getLearnersList());
        for (String id : ids) {
            Member m = known.get(id);
            clients.put(id, m == null ? null : m.clientAddress());
        }
        boolean own = removal.toldBy().equals(config.nodeId());
        String why = "the configuration committed at index " + removal.configIndex() + " in term "
                + removal.configTerm() + " does not list it" + (own ? "" : "; told by " + removal.toldBy());
        NodeRemovedException error = new NodeRemovedException(config.nodeId(), why, clients);
        removedError = error;
        transitions.event("removed", core.term(), "config_index=" + removal.configIndex() + " config_term="
                + removal.configTerm() + " told_by=" + removal.toldBy() + " members=" + clients
                + " (no campaigning or voting any more; client requests are refused)");
        failWaitingAsRemoved(error);
    }

    /** Fails the reads and writes that wait for a leader or a read confirmation: none will come. */
    private void failWaitingAsRemoved(NodeRemovedException error) {
        parkedProposals.forEach(p -> fail(p, error));
        parkedProposals.clear();
        parkedReads.forEach(r -> r.future().completeExceptionally(error));
        parkedReads.clear();
        readsInFlight.values().forEach(r -> r.future().completeExceptionally(error));
        readsInFlight.clear();
    }

    /**
     * On a removed node: fails a client's write or read at once; returns whether it did. A
     * write another node forwarded here (it took this node for the leader) goes the usual
     * way and gets UNAVAILABLE, so that node waits for the real leader instead.
     */
    private boolean refuseAsRemoved(Event event) {
        if (event instanceof Propose p && !p.write().forwarded) {
            p.write().future.completeExceptionally(removedError);
            return true;
        }
        if (event instanceof Read r) {
            r.future().completeExceptionally(removedError);
            return true;
        }
        return false;
    }

    private static NodeStatus.MemberStatus memberStatus(String id, boolean voter, Map<String, Member> addresses,
                                                        Map<String, Long> match, long leaderLast) {
        Member m = addresses.get(id);
        Long matched = match.get(id);
        return new NodeStatus.MemberStatus(id, m == null ? null : m.peerAddress(), m == null ? null
                : m.clientAddress(), voter, matched, matched == null ? null : Math.max(0, leaderLast - matched));
    }

    private void failEverything(Throwable error) {
        List<Event> left = new ArrayList<>();
        inbox.drainTo(left);
        for (Event event : left) {
            if (event instanceof Propose p) {
                fail(p.write(), error);
            } else if (event instanceof AfterForward f) {
                fail(f.write(), error);
            } else if (event instanceof Read r) {
                r.future().completeExceptionally(error);
            }
        }
        batch.forEach(p -> fail(p, error));
        pendingTransfers.forEach(t -> t.future().completeExceptionally(error));
        pendingTransfers.clear();
        parkedProposals.forEach(p -> fail(p, error));
        parkedReads.forEach(r -> r.future().completeExceptionally(error));
        readsInFlight.values().forEach(r -> r.future().completeExceptionally(error));
        batch.clear();
        parkedProposals.clear();
        parkedReads.clear();
        readsInFlight.clear();
    }

    /**
     * Fails a write that never got a final answer with {@code error} — unless a leader it
     * was sent to before may have taken it: then its outcome is unknown.
     */
    private static void fail(PendingWrite write, Throwable error) {
        if (write.mayHaveBeenTaken) {
            write.future.completeExceptionally(new RequestFailedException(Status.ABORTED.withDescription(
                    "outcome unknown: the write was sent to a leader that did not answer, and "
                            + error.getMessage() + "; it may or may not have taken effect"), null));
        } else {
            write.future.completeExceptionally(error);
        }
    }

    private RequestFailedException unavailable(String why) {
        return new RequestFailedException(Status.UNAVAILABLE.withDescription(why), lastKnownLeader);
    }

    /** Stops the event loop, fails what waits, and closes transport, apply path and log (without losing synced data). */
    @Override
    public synchronized void close() {
        if (loop == null) {
            return;
        }
        if (endpoints != null) {
            endpoints.close();
            endpoints = null;
        }
        running = false;
        if (joiner != null) {
            joiner.interrupt();
        }
        snapshotSender.close();
        inbox.add(new Task(() -> { }));
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
        applier.close();
        snapshotter.close();
        store.close();
        dataLock.close();
        transitions.event("stop", core.term(), "commit=" + core.commitIndex());
        loop = null;
    }
}
