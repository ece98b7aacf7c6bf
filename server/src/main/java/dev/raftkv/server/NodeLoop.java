package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import dev.raftkv.storage.LogStore;
import io.grpc.Status;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The event loop: one thread that owns the pure {@link RaftNode} core, the inbox, and the
 * requests waiting on the core, and turns the core's {@link Ready} batches into I/O.
 *
 * <p>Each round: take every queued event (peer messages, client writes, reads, tasks),
 * propose the writes as one batch (or hand them to the {@link WriteForwarder} when not
 * leading), tick when due, then for each Ready: send the messages that may go first (the
 * leader replicates while it writes its own disk, thesis §10.2.1), write to the store,
 * hand committed entries to the {@link Applier}, and leave the sync to {@link LogSync}
 * (group commit on its own thread; votes and acknowledgements go once it returns). A
 * storage error stops the loop and fails what waits.
 *
 * <p>Threading: the methods without "Event loop" in their comment may be called from any
 * thread and never block; they queue an event. Everything else runs on the loop thread.
 */
final class NodeLoop {

    private static final Logger LOG = System.getLogger(NodeLoop.class.getName());
    private static final int MAX_EVENTS_PER_ROUND = 65_536;

    private sealed interface Event permits Inbound, Propose, Read, Task, AfterForward { }

    private record Inbound(Message message) implements Event { }

    private record Propose(PendingWrite write) implements Event { }

    private record Read(LinearizableReads.Read read) implements Event { }

    private record Task(Runnable action) implements Event { }

    /** A forwarded write's follow-up: if the loop stops first, the write's outcome is unknown. */
    private record AfterForward(PendingWrite write, Runnable action) implements Event { }

    /** What the loop drives, built at start-up ({@link RaftServer#start}). */
    record Parts(NodeConfig config, TimeSource time, NodeMetrics metrics, TransitionLog transitions,
                 ElectionDiagnostics elections, MemberDirectory directory, LogStore store, RaftNode core,
                 Applier applier, PeerTransport transport, SnapshotFiles snapshotFiles, Snapshotter snapshotter,
                 SnapshotMeta restoredAtStart, JoinProgress joinProgress, SyncRunner syncRunner) {
    }

    private final NodeConfig config;
    private final TimeSource time;
    private final NodeMetrics metrics;
    private final TransitionLog transitions;
    private final ElectionDiagnostics elections;
    private final MemberDirectory directory;
    private final LogStore store;
    private final RaftNode core;
    private final Applier applier;
    private final PeerTransport transport;
    private final Snapshotter snapshotter;
    private final JoinProgress joinProgress;
    private final BlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
    private final WriteForwarder forwarder;
    private final LinearizableReads reads;
    private final MembershipRequests membership;
    private final RemovalNotice removal;
    private final SnapshotSteps snapshots;
    private final CommitSteps commitSteps;
    private final LogSync logSync;

    // Owned by the loop thread.
    private final List<PendingWrite> batch = new ArrayList<>();
    private final List<PendingWrite> parkedProposals = new ArrayList<>();
    private long ticks;

    private volatile String lastKnownLeader;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile NodeStatus lastStatus;
    private Thread thread;

    NodeLoop(Parts parts) {
        this.config = parts.config();
        this.time = parts.time();
        this.metrics = parts.metrics();
        this.transitions = parts.transitions();
        this.elections = parts.elections();
        this.directory = parts.directory();
        this.store = parts.store();
        this.core = parts.core();
        this.applier = parts.applier();
        this.transport = parts.transport();
        this.snapshotter = parts.snapshotter();
        this.joinProgress = parts.joinProgress();
        this.forwarder = new WriteForwarder(config.nodeId(), transport, metrics, time, new ForwarderLoop());
        this.reads = new LinearizableReads(core, applier);
        this.commitSteps = new CommitSteps(config.nodeId(), applier, reads);
        this.removal = new RemovalNotice(config.nodeId(), directory, transitions);
        this.logSync = new LogSync(store, core, this::send, this::execute, nanos -> {
            metrics.recordSync(nanos);
            elections.synced(nanos);
        }, time, parts.syncRunner());
        this.snapshots = new SnapshotSteps(config.nodeId(), config.snapshots().compactionTail(), core, store,
                logSync::whenIdle, applier, parts.snapshotFiles(), transitions, parts.restoredAtStart(),
                this::reportSnapshot);
        this.membership = new MembershipRequests(config.nodeId(), core, applier, transport,
                directory::knownAddresses, transitions, time::nanoTime, () -> lastKnownLeader);
    }

    /** The sender that streams snapshots to followers; set before {@link #start}. */
    void snapshotSender(SnapshotTransfer sender) {
        snapshots.sender(sender);
    }

    /** A snapshot file this node wrote is durable (from the snapshot writer's thread). */
    void onSnapshotWritten(SnapshotInfo info, SnapshotMeta meta) {
        execute(() -> snapshots.written(info, meta));
    }

    /** Starts the loop thread. */
    void start(ThreadFactory threadFactory) {
        running = true;
        refreshStatus();
        thread = threadFactory.newThread(this::runLoop);
        thread.setName("raftkv-loop-" + config.nodeId());
        thread.start();
    }

    /** Stops the loop (what waits fails) and waits for its thread, at most {@code timeoutMillis}. */
    void stop(long timeoutMillis) {
        running = false;
        inbox.add(new Task(() -> { }));
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isRunning() {
        return running;
    }

    /** The error that stopped the loop, if one did. */
    Throwable failure() {
        return failure;
    }

    /** The status as of the last round (at most one tick old). */
    NodeStatus status() {
        return lastStatus;
    }

    /** The leader this node knew last, or null. */
    String lastKnownLeader() {
        return lastKnownLeader;
    }

    /** Non-null once this node knows it was removed: every client request gets this error. */
    NodeRemovedException removedError() {
        return removal.error();
    }

    /** A message from a peer. */
    void receive(Message message) {
        if (running) {
            elections.arrived(message, time.nanoTime());
            inbox.add(new Inbound(message));
        }
    }

    /** A write to propose here or forward to the leader. */
    void propose(PendingWrite write) {
        inbox.add(new Propose(write));
    }

    /** A linearizable read. */
    void read(LinearizableReads.Read read) {
        inbox.add(new Read(read));
    }

    /** Runs {@code action} on the loop thread. */
    void execute(Runnable action) {
        inbox.add(new Task(action));
    }

    /** A (valid) membership change: proposed as leader, or passed on to the leader. */
    void changeMembership(ConfChange change, long deadlineNanos, CompletableFuture<RaftServer.ConfApplied> future,
                          boolean forwarded) {
        execute(() -> membership.changeMembership(change, deadlineNanos, future, forwarded));
    }

    /** A (valid) leadership transfer: started as leader, or passed on to the leader. */
    void transferLeadership(String target, long deadlineNanos, CompletableFuture<String> future, boolean forwarded) {
        execute(() -> membership.transferLeadership(target, deadlineNanos, future, forwarded));
    }

    /** The snapshot stream to {@code to} ended: {@code ok} whether the follower took it. */
    void reportSnapshot(String to, boolean ok) {
        execute(() -> core.reportSnapshot(to, ok));
    }

    // ---------------------------------------------------------------- the loop thread

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
                    metrics.ticks.increment();
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
            logSync.close();
        }
    }

    private void handle(Event event) {
        if (removal.error() != null && refuseAsRemoved(event)) {
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
            reads.submit(r.read());
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
        public void releaseParked() {
            if (core.role() == Role.LEADER || core.leaderId() != null) {
                NodeLoop.this.releaseParked();
            }
        }

        @Override
        public String leaderId() {
            return core.leaderId();
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
            boolean syncNow = logSync.mustSyncNow(ready);
            if (ready.snapshot() != null) {
                snapshots.install(ready.snapshot());
            }
            if (!ready.entries().isEmpty()) {
                store.append(ready.entries());
                snapshotter.logWritten(ready.entries());
            }
            if (ready.hardState() != null) {
                store.setHardState(ready.hardState());
            }
            commitSteps.afterPersist(ready, core.commitIndex());
            logSync.persist(ready, syncNow);
        }
    }

    /** Sends a message; a snapshot is streamed from its file by the {@link SnapshotSender}. */
    private void send(Message m) {
        if (m.getType() != MessageType.MSG_SNAPSHOT) {
            transport.send(m);
            return;
        }
        snapshots.send(m);
    }

    /** The configuration in force changed: connect to new members, drop removed ones. */
    private void onConfState(ConfState conf) {
        directory.configurationChanged(conf);
        transport.updateMembers(directory.reachable().values());
        transitions.event("membership", core.term(), "voters=" + conf.getVotersList() + " learners="
                + conf.getLearnersList());
    }

    private void onSoftState(Ready.SoftState state) {
        transitions.onSoftState(state);
        if (state.leaderId() != null && !state.leaderId().equals(lastKnownLeader)) {
            metrics.leaderChanges.increment();
        }
        if (state.leaderId() != null) {
            lastKnownLeader = state.leaderId();
        }
        membership.leaderChanged(state.leaderId());
        commitSteps.roleChanged(state);
        if (state.role() == Role.LEADER || state.leaderId() != null) {
            releaseParked();
        }
    }

    /** A leader is known: the writes waiting for one go out, ahead of this round's (which are newer). */
    private void releaseParked() {
        batch.addAll(0, parkedProposals);
        parkedProposals.clear();
        proposeBatch();
    }

    private void expireDeadlines(long now) {
        applier.expire(now);
        membership.expire(now);
        if (!parkedProposals.isEmpty() && (core.role() == Role.LEADER || core.leaderId() != null)) {
            releaseParked();
        }
        String hint = lastKnownLeader == null ? "no leader is known" : "last known leader: " + lastKnownLeader;
        for (Iterator<PendingWrite> it = parkedProposals.iterator(); it.hasNext();) {
            PendingWrite p = it.next();
            if (p.deadlineNanos - now < 0) {
                it.remove();
                p.fail(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                        "no leader elected before the deadline (" + hint + ")"), lastKnownLeader));
            }
        }
        reads.expire(now, hint, lastKnownLeader);
    }

    private void refreshStatus() {
        NodeRemovedException removed = removal.update(core.removal(), core.term());
        if (removed != null) {
            failWaitingAsRemoved(removed);
        }
        if (joinProgress.applied(applier.appliedIndex())) {
            transitions.event("caught-up", core.term(), "applied=" + applier.appliedIndex() + " join_index="
                    + joinProgress.targetIndex());
        }
        lastStatus = NodeStatus.of(config.nodeId(), core, applier.appliedIndex(), directory.members(),
                removal.error() != null, joinProgress);
    }

    /** Fails the reads and writes that wait for a leader or a read confirmation: none will come. */
    private void failWaitingAsRemoved(NodeRemovedException error) {
        parkedProposals.forEach(p -> p.fail(error));
        parkedProposals.clear();
        reads.failAll(error);
    }

    /**
     * On a removed node: fails a client's write or read at once; returns whether it did. A
     * write another node forwarded here (it took this node for the leader) goes the usual
     * way and gets UNAVAILABLE, so that node waits for the real leader instead.
     */
    private boolean refuseAsRemoved(Event event) {
        if (event instanceof Propose p && !p.write().forwarded) {
            p.write().future.completeExceptionally(removal.error());
            return true;
        }
        if (event instanceof Read r) {
            r.read().future().completeExceptionally(removal.error());
            return true;
        }
        return false;
    }

    private void failEverything(Throwable error) {
        List<Event> left = new ArrayList<>();
        inbox.drainTo(left);
        for (Event event : left) {
            if (event instanceof Propose p) {
                p.write().fail(error);
            } else if (event instanceof AfterForward f) {
                f.write().fail(error);
            } else if (event instanceof Read r) {
                r.read().future().completeExceptionally(error);
            }
        }
        batch.forEach(p -> p.fail(error));
        membership.failAll(error);
        parkedProposals.forEach(p -> p.fail(error));
        reads.failAll(error);
        batch.clear();
        parkedProposals.clear();
    }

    private RequestFailedException unavailable(String why) {
        return new RequestFailedException(Status.UNAVAILABLE.withDescription(why), lastKnownLeader);
    }

}
