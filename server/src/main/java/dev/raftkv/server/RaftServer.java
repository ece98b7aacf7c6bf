package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.storage.LogStore;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One raftkv node, assembled: start-up and recovery ({@link NodeRecovery}), the event
 * loop that owns the Raft core ({@link NodeLoop}), the apply path ({@link Applier}),
 * snapshots ({@link Snapshotter}, {@link SnapshotSender}, {@link SnapshotReceiver}), the
 * peer transport, the gRPC endpoints, and joining ({@link Joiner}). The same class runs
 * under the plain {@link Launcher} and inside the Liberty application.
 *
 * <p>Requests: a follower forwards writes to the leader ({@link WriteForwarder}) and
 * answers with the leader's result; during an election, requests wait until a leader is
 * known or their deadline passes (then UNAVAILABLE with the last known leader).
 * Linearizable reads use ReadIndex on any node. Proposals beyond
 * {@code maxPendingProposals} are refused at once with RESOURCE_EXHAUSTED.
 *
 * <p>Thread-safety: the public methods may be called from any thread.
 */
public final class RaftServer implements AutoCloseable {

    private final NodeConfig config;
    private final TimeSource time;
    private final RandomGenerator random;
    private final ThreadFactory threadFactory;
    private final AtomicInteger pendingProposals = new AtomicInteger();
    private final TransitionLog transitions;
    private final NodeMetrics metrics = new NodeMetrics();
    private final ElectionDiagnostics elections;
    private final MemberDirectory directory;

    // Set by start().
    private LogStore store;
    private Applier applier;
    private PeerTransport transport;
    private SnapshotFiles snapshotFiles;
    private Snapshotter snapshotter;
    private SnapshotSender snapshotSender;
    private SnapshotReceiver snapshotReceiver;
    private Joiner joiner;
    /** Held from start to close: no second node and no WAL migration uses the data directory meanwhile. */
    private DataDirectory.Lock dataLock;
    private GrpcEndpoints endpoints;
    /** TLS material of the peer and client ports (null when that port is plaintext); closed with the node. */
    private PeerTls peerTls;
    private ClientTls clientTls;
    /** The running loop; after close() the stopped one, whose last status and failure stay readable. */
    private volatile NodeLoop loop;
    private boolean closed;

    public RaftServer(NodeConfig config, TimeSource time, RandomGenerator random, ThreadFactory threadFactory) {
        this.config = config;
        this.time = time;
        this.random = random;
        this.threadFactory = threadFactory;
        this.transitions = new TransitionLog(config.nodeId());
        this.directory = new MemberDirectory(config);
        this.elections = new ElectionDiagnostics(transitions, metrics, ElectionDiagnostics::gcMillis);
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
        if (loop != null && !closed) {
            throw new IllegalStateException("node " + config.nodeId() + " is already running");
        }
        loop = null;
        closed = false;
        DataDirectory data = DataDirectory.open(config.dataDir(), config.clusterId(), config.nodeId());
        dataLock = data.lock();
        try {
            startLocked(data);
        } catch (RuntimeException | Error e) {
            if (loop == null) {
                // Not started: nothing else will release the directory (close() does once the loop runs).
                if (store != null) {
                    store.close();
                }
                closeTls();
                dataLock.close();
            }
            throw e;
        }
    }

    private void startLocked(DataDirectory data) {
        NodeRecovery.Recovered recovered = NodeRecovery.recover(config, data, random, time, transitions);
        store = recovered.store();
        snapshotFiles = recovered.snapshotFiles();
        RaftNode core = recovered.core();
        SnapshotMeta snapshot = recovered.meta();
        directory.configurationChanged(core.confState());
        // a node whose log already lists it joined before: it restarts as any member does
        JoinProgress joinProgress = new JoinProgress(config.join() != null
                && !MemberDirectory.lists(core.confState(), config.nodeId()));
        snapshotter = new Snapshotter(snapshotFiles, config.snapshots(), threadFactory,
                (info, meta) -> loop.onSnapshotWritten(info, meta), time::nanoTime, metrics,
                snapshot == null ? 0 : snapshot.getIndex());
        applier = new Applier(recovered.stateMachine(), snapshot == null ? 0 : snapshot.getTerm(), snapshotter,
                metrics, SerialExecutor.thread(threadFactory), new WaitingWrites());
        snapshotter.onWriteEnd(applier::snapshotIfRequested);
        RefusalLog refusals = new RefusalLog(config.nodeId(), time::nanoTime);
        if (config.tls().peerTls()) {
            peerTls = new PeerTls(config.tls(), this::hostOf, refusals, threadFactory);
        }
        if (config.tls().clientTls()) {
            clientTls = new ClientTls(config.tls(), refusals, threadFactory);
        }
        transport = new PeerTransport(config.nodeId(), directory.reachable().values(), threadFactory, time::nanoTime,
                peerTls);
        NodeLoop nodeLoop = new NodeLoop(new NodeLoop.Parts(config, time, metrics, transitions, elections, directory,
                store, core, applier, transport, snapshotFiles, snapshotter, snapshot, joinProgress,
                SyncRunner.thread(runnable -> {
                    Thread thread = threadFactory.newThread(runnable);
                    thread.setName("raftkv-sync-" + config.nodeId());
                    return thread;
                })));
        snapshotSender = new SnapshotSender(config.nodeId(), transport::channel, threadFactory,
                nodeLoop::reportSnapshot, transitions, time::nanoTime);
        SnapshotSender sender = snapshotSender;
        nodeLoop.snapshotSender((to, meta, term) -> sender.send(to, snapshotFiles.file(meta), meta, term));
        snapshotReceiver = new SnapshotReceiver(config.nodeId(), snapshotFiles, nodeLoop::receive, transitions,
                time::nanoTime);
        snapshotReceiver.deleteLeftovers();
        transitions.event("start", core.term(), "backend=" + config.walBackend() + " snapshot="
                + (snapshot == null ? 0 : snapshot.getIndex()) + " firstIndex=" + core.firstIndex() + " lastIndex="
                + core.lastIndex() + " commit=" + core.commitIndex() + " voters=" + core.voters() + " learners="
                + core.learners() + (config.join() != null ? " join=" + config.join() : "")
                + " " + recovered.timings());
        loop = nodeLoop;
        nodeLoop.start(threadFactory);
        try {
            endpoints = GrpcEndpoints.start(this, threadFactory, peerTls, clientTls);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (config.join() != null) {
            joiner = new Joiner(config, transport, directory, joinProgress, transitions, nodeLoop::status,
                    this::clientPort, nodeLoop::execute);
            joiner.start(threadFactory);
        }
    }

    /** The configured host of member {@code id} (settings first, then the configuration); null when unknown. */
    private String hostOf(String id) {
        Member member = config.members().get(id);
        if (member != null) {
            return member.host();
        }
        NodeStatus status = status();
        NodeStatus.MemberStatus known = status == null ? null : status.member(id);
        if (known == null || known.peerAddress() == null) {
            return null;
        }
        int colon = known.peerAddress().lastIndexOf(':');
        return colon < 0 ? known.peerAddress() : known.peerAddress().substring(0, colon);
    }

    private void closeTls() {
        if (peerTls != null) {
            peerTls.close();
            peerTls = null;
        }
        if (clientTls != null) {
            clientTls.close();
            clientTls = null;
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
        NodeLoop l = loop;
        return l != null && l.isRunning();
    }

    /** The error that stopped the node, if one did. */
    public Throwable failure() {
        NodeLoop l = loop;
        return l == null ? null : l.failure();
    }

    // ---------------------------------------------------------------- requests (any thread)

    /** Hands a message from a peer to the event loop. */
    public void receive(Message message) {
        NodeLoop l = loop;
        if (l != null) {
            l.receive(message);
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
        if (!isRunning()) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
            return future;
        }
        if (pendingProposals.incrementAndGet() > config.maxPendingProposals()) {
            pendingProposals.decrementAndGet();
            metrics.rejectedProposals.increment();
            future.completeExceptionally(new RequestFailedException(Status.RESOURCE_EXHAUSTED.withDescription(
                    "more than " + config.maxPendingProposals() + " proposals are waiting on node "
                            + config.nodeId() + "; retry later"), loop.lastKnownLeader()));
            return future;
        }
        future.whenComplete((r, e) -> pendingProposals.decrementAndGet());
        Command stamped = command.toBuilder().setTimestampMillis(time.currentTimeMillis()).build();
        loop.propose(new PendingWrite(command, stamped.toByteString(), deadlineNanos, future, forwarded));
        return future;
    }

    /**
     * Runs {@code read} on the state machine once it reflects every write acknowledged
     * before this call (ReadIndex, thesis §6.4).
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> readLinearizable(Function<KvStateMachine, T> read, long deadlineNanos) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        if (!isRunning()) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
        } else if (loop.removedError() != null) {
            future.completeExceptionally(loop.removedError());
        } else {
            loop.read(new LinearizableReads.Read(deadlineNanos, read, future));
        }
        return (CompletableFuture<T>) future;
    }

    /**
     * Runs {@code read} on this node's state machine as it is now: possibly stale, never
     * blocked by elections. Fails with {@link NodeRemovedException} on a removed node,
     * whose state no longer follows the cluster's.
     */
    public <T> CompletableFuture<T> readSerializable(Function<KvStateMachine, T> read) {
        NodeRemovedException removed = removedError();
        return removed != null ? CompletableFuture.failedFuture(removed) : applier.readNow(read);
    }

    /**
     * The error every client request gets because this node was removed from the cluster,
     * or null while it is a member. Any thread.
     */
    public NodeRemovedException removedError() {
        NodeLoop l = loop;
        return l == null ? null : l.removedError();
    }

    /** The status as of the last event-loop round (at most one tick old). */
    public NodeStatus status() {
        NodeLoop l = loop;
        return l == null ? null : l.status();
    }

    /** Completes once the event loop has run {@code action} (for tests and admin tasks that need the loop). */
    public CompletableFuture<Void> onLoop(Runnable action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            action.run();
            done.complete(null);
        });
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
        String invalid = MembershipRequests.validate(change);
        if (invalid != null) {
            future.completeExceptionally(new RequestFailedException(Status.INVALID_ARGUMENT.withDescription(invalid),
                    loop == null ? null : loop.lastKnownLeader()));
        } else if (!isRunning()) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
        } else {
            loop.changeMembership(change, deadlineNanos, future, forwarded);
        }
        return future;
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
        String invalid = MembershipRequests.validateTarget(target);
        if (invalid != null) {
            future.completeExceptionally(new RequestFailedException(Status.INVALID_ARGUMENT.withDescription(invalid),
                    null));
        } else if (!isRunning()) {
            future.completeExceptionally(unavailable("node " + config.nodeId() + " is not running"));
        } else {
            loop.transferLeadership(target, deadlineNanos, future, forwarded);
        }
        return future;
    }

    /**
     * Takes a snapshot of this node's state now (writes go on meanwhile) and compacts its
     * log behind it.
     *
     * @return the snapshot written, or the newest one if nothing was applied since
     */
    public CompletableFuture<SnapshotInfo> takeSnapshot() {
        if (!isRunning()) {
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

    private RequestFailedException unavailable(String why) {
        NodeLoop l = loop;
        return new RequestFailedException(Status.UNAVAILABLE.withDescription(why), l == null ? null
                : l.lastKnownLeader());
    }

    /** Stops the event loop, fails what waits, and closes transport, apply path and log (without losing synced data). */
    @Override
    public synchronized void close() {
        if (loop == null || closed) {
            return;
        }
        closed = true;
        if (endpoints != null) {
            endpoints.close();
            endpoints = null;
        }
        if (joiner != null) {
            joiner.stop();
        }
        snapshotSender.close();
        loop.stop(TimeUnit.SECONDS.toMillis(10));
        transport.close();
        applier.close();
        snapshotter.close();
        store.close();
        closeTls();
        dataLock.close();
        NodeStatus last = loop.status();
        transitions.event("stop", last.term(), "commit=" + last.commitIndex());
    }
}
