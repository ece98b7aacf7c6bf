package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.Message;
import dev.raftkv.raft.NotLeaderException;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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

    private sealed interface Event permits Inbound, Propose, Read, Task {
    }

    private record Inbound(Message message) implements Event {
    }

    private record Propose(ByteString command, long deadlineNanos, CompletableFuture<Applied> future,
                           boolean forwarded) implements Event {
    }

    private record Read(long deadlineNanos, Function<KvStateMachine, ?> read, CompletableFuture<Object> future)
            implements Event {
    }

    private record Task(Runnable action) implements Event {
    }

    private final NodeConfig config;
    private final TimeSource time;
    private final RandomGenerator random;
    private final ThreadFactory threadFactory;
    private final BlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger pendingProposals = new AtomicInteger();
    private final TransitionLog transitions;
    private final NodeMetrics metrics = new NodeMetrics();

    // Owned by the event loop thread once started.
    private LogStore store;
    private RaftNode core;
    private Applier applier;
    private PeerTransport transport;
    private final List<Propose> batch = new ArrayList<>();
    private final List<Propose> parkedProposals = new ArrayList<>();
    private final List<Read> parkedReads = new ArrayList<>();
    private final Map<Long, Read> readsInFlight = new HashMap<>();
    private long nextReadId = 1;
    private String lastKnownLeader;
    private long ticks;

    private Thread loop;
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
        store = LogStoreProvider.named(config.walBackend()).open(data.wal());
        if (store.firstIndex() > 1) {
            store.close();
            throw new IllegalStateException("the log in " + data.wal() + " starts at index " + store.firstIndex()
                    + " but no snapshot restores the entries before it");
        }
        RaftConfig raftConfig = RaftConfig.defaults(config.nodeId(), List.copyOf(config.members().keySet()), random)
                .withTicks(config.electionTicks(), config.heartbeatTicks());
        core = new RaftNode(raftConfig, store);
        applier = new Applier(new KvStateMachine(), threadFactory);
        transport = new PeerTransport(config.nodeId(), config.members().values(), threadFactory, time::nanoTime);
        transitions.event("start", core.term(), "backend=" + config.walBackend() + " lastIndex=" + store.lastIndex()
                + " commit=" + core.commitIndex() + " members=" + config.members().keySet());
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
        inbox.add(new Propose(stamped.toByteString(), deadlineNanos, future, forwarded));
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
        } else {
            inbox.add(new Read(deadlineNanos, read, future));
        }
        return (CompletableFuture<T>) future;
    }

    /** Runs {@code read} on this node's state machine as it is now: possibly stale, never blocked by elections. */
    public <T> CompletableFuture<T> readSerializable(Function<KvStateMachine, T> read) {
        return applier.readNow(read);
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

    // ---------------------------------------------------------------- the event loop

    private void runLoop() {
        long tickNanos = config.tickInterval().toNanos();
        long nextTick = time.nanoTime() + tickNanos;
        try {
            while (running) {
                long wait = nextTick - time.nanoTime();
                Event event = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
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
        if (event instanceof Inbound in) {
            core.step(in.message());
        } else if (event instanceof Propose p) {
            batch.add(p);
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
            for (Propose p : batch) {
                commands.add(p.command());
            }
            Proposal proposal = core.propose(commands);
            for (int i = 0; i < batch.size(); i++) {
                Propose p = batch.get(i);
                applier.await(proposal.firstIndex() + i, proposal.term(), p.deadlineNanos(), p.future());
            }
            metrics.proposals.add(batch.size());
        } else {
            for (Propose p : batch) {
                dispatchToLeader(p);
            }
        }
        batch.clear();
    }

    private void dispatchToLeader(Propose p) {
        String leader = core.leaderId();
        if (p.forwarded()) {
            p.future().completeExceptionally(unavailable("node " + config.nodeId()
                    + " received a forwarded write but is no longer the leader"));
        } else if (leader == null) {
            parkedProposals.add(p);
        } else {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(p.deadlineNanos() - time.nanoTime());
            transport.forward(leader, ForwardRequest.newBuilder().setCommand(p.command()).build(), remainingMillis)
                    .whenComplete((response, error) -> {
                        if (error == null) {
                            try {
                                p.future().complete(new Applied(CommandResult.parseFrom(response.getResult()),
                                        response.getIndex()));
                            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                                p.future().completeExceptionally(e);
                            }
                        } else if (error instanceof StatusRuntimeException sre
                                && sre.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                            // Not taken by the leader (unreachable, or no longer leader): wait for a
                            // leader again, until the deadline.
                            inbox.add(new Task(() -> parkedProposals.add(p)));
                        } else if (error instanceof StatusRuntimeException sre) {
                            p.future().completeExceptionally(new RequestFailedException(sre.getStatus(), leader));
                        } else {
                            p.future().completeExceptionally(new RequestFailedException(Status.UNAVAILABLE
                                    .withDescription("forwarding to leader " + leader + " failed: " + error), leader));
                        }
                    });
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
            if (ready.softState() != null) {
                onSoftState(ready.softState());
            }
            for (Message m : ready.messages()) {
                transport.send(m);
            }
            if (!ready.entries().isEmpty()) {
                store.append(ready.entries());
            }
            if (ready.hardState() != null) {
                store.setHardState(ready.hardState());
            }
            if (ready.mustSync()) {
                long start = time.nanoTime();
                store.sync();
                metrics.recordSync(time.nanoTime() - start);
            }
            for (Message m : ready.messagesAfterPersist()) {
                transport.send(m);
            }
            applier.apply(ready.committedEntries());
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

    private void onSoftState(Ready.SoftState state) {
        transitions.onSoftState(state);
        if (state.leaderId() != null && !state.leaderId().equals(lastKnownLeader)) {
            metrics.leaderChanges.increment();
        }
        if (state.leaderId() != null) {
            lastKnownLeader = state.leaderId();
        }
        if (state.role() != Role.LEADER) {
            applier.failAll(Status.ABORTED.withDescription("node " + config.nodeId() + " lost leadership in term "
                    + state.term() + "; the write may still commit, retry it with the same session and sequence"),
                    state.leaderId());
        }
        // Reads waiting for a confirmation from a former leader will never get it: ask again.
        List<Read> retry = new ArrayList<>(readsInFlight.values());
        readsInFlight.clear();
        retry.addAll(parkedReads);
        parkedReads.clear();
        retry.forEach(this::dispatchRead);
        if (state.role() == Role.LEADER || state.leaderId() != null) {
            List<Propose> parked = new ArrayList<>(parkedProposals);
            parkedProposals.clear();
            batch.addAll(parked);
            proposeBatch();
        }
    }

    private void expireDeadlines(long now) {
        applier.expire(now);
        if (!parkedProposals.isEmpty() && (core.role() == Role.LEADER || core.leaderId() != null)) {
            batch.addAll(parkedProposals);
            parkedProposals.clear();
            proposeBatch();
        }
        String hint = lastKnownLeader == null ? "no leader is known" : "last known leader: " + lastKnownLeader;
        for (Iterator<Propose> it = parkedProposals.iterator(); it.hasNext();) {
            Propose p = it.next();
            if (p.deadlineNanos() - now < 0) {
                it.remove();
                p.future().completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
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
        lastStatus = new NodeStatus(config.nodeId(), core.role(), core.term(), core.leaderId(), core.commitIndex(),
                applier.appliedIndex(), store.firstIndex(), core.lastIndex(), config.members(), core.matchIndexes());
    }

    private void failEverything(Throwable error) {
        List<Event> left = new ArrayList<>();
        inbox.drainTo(left);
        for (Event event : left) {
            if (event instanceof Propose p) {
                p.future().completeExceptionally(error);
            } else if (event instanceof Read r) {
                r.future().completeExceptionally(error);
            }
        }
        batch.forEach(p -> p.future().completeExceptionally(error));
        parkedProposals.forEach(p -> p.future().completeExceptionally(error));
        parkedReads.forEach(r -> r.future().completeExceptionally(error));
        readsInFlight.values().forEach(r -> r.future().completeExceptionally(error));
        batch.clear();
        parkedProposals.clear();
        parkedReads.clear();
        readsInFlight.clear();
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
        inbox.add(new Task(() -> { }));
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
        applier.close();
        store.close();
        transitions.event("stop", core.term(), "commit=" + core.commitIndex());
        loop = null;
    }
}
