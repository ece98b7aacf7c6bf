package dev.raftkv.sim;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.CommandOutcome;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.NotLeaderException;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.RefusedException;
import dev.raftkv.raft.Role;
import dev.raftkv.server.Applied;
import dev.raftkv.server.SimulatedApplier;
import dev.raftkv.server.SimulatedForwarder;
import dev.raftkv.server.SimulatedMembership;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * A simulated node: the real {@link RaftNode} core, driven the way the production event
 * loop drives it (persist, send, apply, advance), on a {@link SimDisk} that loses unsynced
 * writes when the node crashes; the production apply path ({@code Applier},
 * {@code WaitingWrites}, {@code LinearizableReads}, {@code CommitSteps}, through
 * {@link SimulatedApplier}) on a simulated apply thread that runs a random while behind
 * the loop; and the production forwarding of writes ({@link SimulatedForwarder}). Still
 * its own: the loop itself (the order of a Ready's steps, with the fsync as a delayed
 * event), the leader's handling of {@code Forward} calls, and snapshots: every
 * {@code snapshotEveryEntries} applied entries the apply thread writes a
 * {@link StoredSnapshot} (which survives crashes whole), then the loop tells the core
 * and compacts its log but a tail; it streams snapshots to followers the core names
 * ({@link SnapshotTransfers}) and installs those it receives; a restart loads the
 * snapshot and replays only the log after it.
 */
final class SimNode {

    /** Writes another node forwarded here in one call: answered together once each has its outcome. */
    private static final class ForwardedCall {
        final long callId;
        final CommandOutcome[] outcomes;
        int missing;

        ForwardedCall(long callId, int writes) {
            this.callId = callId;
            this.outcomes = new CommandOutcome[writes];
            this.missing = writes;
        }
    }

    final String id;
    private final Cluster cluster;
    private final SplittableRandom random;
    private SimDisk disk = new SimDisk();
    /** The newest snapshot "file"; survives crashes. */
    private StoredSnapshot snapshot;
    /** The snapshot "files" written here or installed, newest last (at most two kept); survive crashes. */
    private final Map<SnapshotMeta, StoredSnapshot> held = new LinkedHashMap<>();
    /** The simulated snapshot writer's queue of tasks; lost in a crash. */
    private final ArrayDeque<Runnable> writerQueue = new ArrayDeque<>();
    private boolean writerScheduled;
    /**
     * Received, verified snapshots the core may hand back for installing, by their meta,
     * as the production driver keeps each received file under its own name: the core may
     * accept one, and while that waits for the next batch, ignore a later, older one
     * (seed 67075), so a later arrival must not replace an earlier one. Lost in a crash.
     */
    private final Map<SnapshotMeta, StoredSnapshot> received = new LinkedHashMap<>();
    private final SnapshotTransfers transfers;
    private int snapshotsInstalled;
    private RaftNode raft;
    /** The production apply path; one per incarnation. */
    private SimulatedApplier applier;
    /** The simulated apply thread's queue of tasks; lost in a crash. */
    private final ArrayDeque<Runnable> applyQueue = new ArrayDeque<>();
    private boolean applyScheduled;
    /** Committed entries handed to the apply path and not yet applied, in order. */
    private final ArrayDeque<Entry> handedToApply = new ArrayDeque<>();
    /** The snapshot the state machine was loaded from at start, until the core no longer hands it back. */
    private SnapshotMeta restoredAtStart;
    /** The driver mutation {@link DriverBug#ACK_ON_COMMIT}: own writes' futures by index. */
    private final Map<Long, CompletableFuture<Applied>> ackOnCommit = new HashMap<>();
    private boolean up;
    /** Bumped by every crash, so events of an earlier life are ignored. */
    private int incarnation;
    private Ready persisting;
    /** The production forwarding of writes to the leader; one per incarnation. */
    private SimulatedForwarder forwarder;
    /** The production handling of membership changes and transfers; one per incarnation. */
    private SimulatedMembership membership;
    private long ticks;
    /** A paused process (a long GC, a stalled VM) handles nothing before this time. */
    private long pausedUntilMillis;

    SimNode(String id, Cluster cluster, SplittableRandom random) {
        this.id = id;
        this.cluster = cluster;
        this.random = random;
        this.transfers = new SnapshotTransfers(this, cluster);
    }

    int incarnation() {
        return incarnation;
    }

    StoredSnapshot snapshot() {
        return snapshot;
    }

    /** How many snapshots from a leader this node installed. */
    int snapshotsInstalled() {
        return snapshotsInstalled;
    }

    boolean receivingSnapshot() {
        return up && transfers.receiving();
    }

    boolean isUp() {
        return up;
    }

    long appliedIndex() {
        return applier.appliedIndex();
    }

    RaftNode raft() {
        return raft;
    }

    /** The state machine as the apply thread last left it. */
    KvStateMachine stateMachine() {
        return applier.stateMachine();
    }

    /**
     * Starts (or restarts) the node from its newest snapshot and what its disk holds;
     * the state machine replays only the log after the snapshot.
     */
    void start() {
        KvStateMachine stateMachine;
        if (snapshot == null) {
            stateMachine = new KvStateMachine();
            raft = new RaftNode(cluster.raftConfig(id, random.split()), disk);
            restoredAtStart = null;
        } else {
            stateMachine = restore(snapshot);
            raft = new RaftNode(cluster.raftConfig(id, random.split()).withAppliedIndex(snapshot.index()), disk,
                    snapshot.meta());
            restoredAtStart = snapshot.meta();
        }
        up = true;
        int incarnationStarted = incarnation;
        applier = new SimulatedApplier(id, raft, disk, stateMachine, restoredAtStart,
                new SimulatedApplier.ApplyThread() {
                    @Override
                    public void execute(Runnable task) {
                        applyQueue.addLast(task);
                        scheduleApply();
                    }

                    @Override
                    public void executeFirst(Runnable task) {
                        applyQueue.addFirst(task);
                        scheduleApply();
                    }
                }, new ApplyHooks(), new Snapshots(), cluster.settings().snapshotEveryEntries(),
                cluster.settings().compactionTailEntries(), cluster.applierMutations());
        forwarder = new SimulatedForwarder(id, (to, request, deadline) -> cluster.forwardCalls().call(id, to, request,
                deadline), new SimulatedForwarder.Node() {
                    @Override
                    public boolean execute(Runnable task) {
                        if (!up || incarnation != incarnationStarted) {
                            return false;
                        }
                        cluster.queue().after(0, () -> {
                            if (up && incarnation == incarnationStarted) {
                                task.run();
                                process();
                            }
                        });
                        return true;
                    }

                    @Override
                    public String leaderId() {
                        return raft.leaderId();
                    }

                    @Override
                    public long nowMillis() {
                        return cluster.queue().nowMillis();
                    }
                }, cluster.forwardWithoutDeduplication());
        membership = new SimulatedMembership(id, raft, applier, (to, request, deadline) -> cluster.forwardCalls()
                .call(id, to, request, deadline), () -> cluster.queue().nowMillis(), () -> raft.leaderId());
        cluster.checker().onRestart(id, stateMachine.appliedIndex());
        int life = incarnation;
        cluster.queue().after(cluster.tickMillis(), () -> onTick(life));
        process();
    }

    /** Kills the node: everything in memory is gone and the disk keeps what it keeps. */
    void crash() {
        if (!up) {
            return;
        }
        up = false;
        incarnation++;
        disk = disk.crash(random);
        raft = null;
        persisting = null;
        received.clear();
        writerQueue.clear();
        writerScheduled = false;
        transfers.clear();
        applyQueue.clear();
        applyScheduled = false;
        handedToApply.clear();
        ackOnCommit.clear();
        forwarder = null;
        membership = null;
        cluster.forwardCalls().onCrash(id);
        cluster.queue().trace("crash", id, new byte[0]);
    }

    /** Freezes the process for {@code millis}: what arrives meanwhile waits, in order, and its clock stops. */
    void pause(long millis) {
        pausedUntilMillis = Math.max(pausedUntilMillis, cluster.queue().nowMillis() + millis);
    }

    /** If the process is paused, puts {@code action} off until it resumes and returns true. */
    private boolean deferredWhilePaused(Runnable action) {
        long now = cluster.queue().nowMillis();
        if (now >= pausedUntilMillis) {
            return false;
        }
        cluster.queue().after(pausedUntilMillis - now, action);
        return true;
    }

    private void onTick(int life) {
        if (!up || life != incarnation || deferredWhilePaused(() -> onTick(life))) {
            return;
        }
        raft.tick();
        forwarder.retryParked();
        if (++ticks % 5 == 0) {
            applier.expire(cluster.queue().nowMillis(), raft.leaderId());
            membership.expire(cluster.queue().nowMillis());
        }
        process();
        cluster.queue().after(cluster.tickMillis(), () -> onTick(life));
    }

    void receive(Message m) {
        if (!up || deferredWhilePaused(() -> receive(m))) {
            return;
        }
        cluster.queue().trace("msg", id, m.toByteArray());
        raft.step(m);
        process();
    }

    void receive(ClientMessages.Request request) {
        if (!up || deferredWhilePaused(() -> receive(request))) {
            return;
        }
        cluster.queue().trace("req", id, request.traceBytes());
        if (request.isRead()) {
            read(request);
        } else if (raft.role() == Role.LEADER) {
            try {
                com.google.protobuf.ByteString bytes = request.command().toByteString();
                Proposal proposal = raft.propose(List.of(bytes));
                String client = request.clientId();
                long attempt = request.attemptId();
                int life = incarnation;
                awaitApplied(proposal.firstIndex(), proposal.term(), bytes).whenComplete((applied, error) -> {
                    if (up && life == incarnation) {
                        reply(client, error == null ? new ClientMessages.Response(attempt, ClientMessages.Status.OK,
                                applied.result(), null, id) : ClientMessages.Response.retry(attempt));
                    }
                });
            } catch (RefusedException transferring) {
                reply(request.clientId(), ClientMessages.Response.retry(request.attemptId()));
            }
        } else if (raft.leaderId() != null) {
            forward(request);
        } else {
            reply(request.clientId(), ClientMessages.Response.notLeader(request.attemptId(), raft.leaderId()));
        }
        process();
    }

    /**
     * A linearizable read through the production {@code LinearizableReads}: it waits for a
     * leader, a confirmed read index, and the apply thread reaching it. Served, the state
     * must hold every entry committed anywhere before the read arrived here.
     */
    private void read(ClientMessages.Request request) {
        String client = request.clientId();
        long attempt = request.attemptId();
        long committedBefore = cluster.checker().committedIndex();
        com.google.protobuf.ByteString key = request.readKey();
        int life = incarnation;
        CompletableFuture<Object> future = new CompletableFuture<>();
        applier.read(sm -> {
            cluster.checker().onLinearizableRead(id, key, committedBefore, sm.appliedIndex());
            return sm.get(key).orElse(null);
        }, cluster.queue().nowMillis() + cluster.requestTimeoutMillis(), future);
        future.whenComplete((value, error) -> {
            if (up && life == incarnation) {
                reply(client, error == null ? new ClientMessages.Response(attempt, ClientMessages.Status.OK, null,
                        (com.google.protobuf.ByteString) value, raft.leaderId())
                        : ClientMessages.Response.notLeader(attempt, raft.leaderId()));
            }
        });
    }

    /**
     * Registers a write this node proposed at {@code index} with the production apply
     * path; once it completes with a result, the entry applied at {@code index} here must
     * be this write ({@link InvariantChecker#onAcknowledged}).
     */
    private CompletableFuture<Applied> awaitApplied(long index, long term, com.google.protobuf.ByteString proposed) {
        CompletableFuture<Applied> future = new CompletableFuture<>();
        applier.await(index, term, cluster.queue().nowMillis() + cluster.requestTimeoutMillis(), future);
        if (cluster.driverBugs().contains(DriverBug.ACK_ON_COMMIT)) {
            ackOnCommit.put(index, future);
        }
        return future.whenComplete((applied, error) -> {
            if (error == null) {
                Entry entry = handedToApply.stream().filter(e -> e.getIndex() == applied.index()).findFirst()
                        .orElse(null);
                cluster.checker().onAcknowledged(id, applied.index(), proposed, entry,
                        applier.stateMachine().appliedIndex());
            }
        });
    }

    /** A follower passes a client's write to the leader through the production forwarder. */
    private void forward(ClientMessages.Request request) {
        int life = incarnation;
        String client = request.clientId();
        long attempt = request.attemptId();
        forwarder.forward(request.command(), cluster.queue().nowMillis() + cluster.requestTimeoutMillis(),
                new SimulatedForwarder.Answer() {
                    @Override
                    public void applied(CommandResult result) {
                        if (up && life == incarnation) {
                            reply(client, new ClientMessages.Response(attempt, ClientMessages.Status.OK, result, null,
                                    raft.leaderId()));
                        }
                    }

                    @Override
                    public void failed(io.grpc.Status.Code code, String description, boolean outcomeUnknown) {
                        if (up && life == incarnation) {
                            reply(client, outcomeUnknown ? ClientMessages.Response.retry(attempt)
                                    : ClientMessages.Response.notLeader(attempt, raft.leaderId()));
                        }
                    }
                });
    }

    /** Another node's {@code Forward} call with a client's write: proposed here if this node leads. */
    void receiveForward(long callId, String from, ForwardRequest request) {
        if (!up || deferredWhilePaused(() -> receiveForward(callId, from, request))) {
            return;
        }
        cluster.queue().trace("fwd", id, request.toByteArray());
        long deadline = cluster.queue().nowMillis() + cluster.requestTimeoutMillis();
        CompletableFuture<ForwardResponse> administrative = switch (request.getRequestCase()) {
            case CONF_CHANGE -> membership.change(request.getConfChange(), deadline, !request.getMayForward());
            case TRANSFER_TO -> membership.transfer(request.getTransferTo(), deadline, !request.getMayForward());
            default -> null;
        };
        if (administrative != null) {
            int life = incarnation;
            administrative.whenComplete((response, error) -> {
                if (up && life == incarnation) {
                    if (error == null) {
                        cluster.forwardCalls().answer(callId, response);
                    } else {
                        cluster.forwardCalls().answerFailure(callId, SimulatedApplier.status(error));
                    }
                }
            });
            process();
            return;
        }
        if (raft.role() != Role.LEADER) {
            cluster.forwardCalls().answerFailure(callId, io.grpc.Status.UNAVAILABLE.withDescription(
                    "node " + id + " received a forwarded write but is no longer the leader"));
            return;
        }
        boolean batch = request.getRequestCase() == ForwardRequest.RequestCase.COMMANDS;
        List<com.google.protobuf.ByteString> commands = batch ? request.getCommands().getCommandsList()
                : List.of(request.getCommand());
        try {
            Proposal proposal = raft.propose(commands);
            ForwardedCall call = new ForwardedCall(batch ? callId : -callId, commands.size());
            int life = incarnation;
            for (int i = 0; i < commands.size(); i++) {
                int position = i;
                awaitApplied(proposal.firstIndex() + i, proposal.term(), commands.get(i))
                        .whenComplete((applied, error) -> {
                            if (up && life == incarnation) {
                                answerForwarded(call, position, applied, error == null ? null
                                        : SimulatedApplier.status(error));
                            }
                        });
            }
        } catch (RefusedException transferring) {
            cluster.forwardCalls().answerFailure(callId, io.grpc.Status.UNAVAILABLE.withDescription(
                    "leadership transfer in progress"));
        }
        process();
    }

    private void reply(String clientId, ClientMessages.Response response) {
        cluster.network().send(id, clientId, response, r -> cluster.client(clientId).receive(r));
    }

    /** Carries out the core's batches until it has none, or one is waiting for its disk write. */
    private void process() {
        while (up && persisting == null && raft.hasReady()) {
            Ready ready = raft.ready();
            if (ready.softState() != null) {
                cluster.checker().onSoftState(this, ready.softState());
                membership.leaderChanged(ready.softState().leaderId());
                applier.roleChanged(ready.softState());
                if (ready.softState().role() == Role.LEADER) {
                    cluster.onLeaderElected(this);
                }
            }
            for (Message m : ready.messages()) {
                send(m);
            }
            if (ready.snapshot() != null) {
                install(ready.snapshot());
            }
            if (!ready.entries().isEmpty()) {
                cluster.checker().onCommit(this, raft.commitIndex());
                cluster.checker().onWrite(this, ready.entries());
                disk.append(ready.entries());
            }
            if (ready.hardState() != null) {
                cluster.checker().onCommit(this, ready.hardState().getCommit());
                disk.setHardState(ready.hardState());
            }
            persisting = ready;
            int life = incarnation;
            // The production loop fails a lost leadership's writes above the commit index it
            // knew at this Ready; messages stepped while the sync is in flight do not count.
            long commitAtReady = raft.commitIndex();
            cluster.queue().after(cluster.fsyncDelayMillis(random), () -> onPersisted(life, ready, commitAtReady));
        }
    }

    private void onPersisted(int life, Ready ready, long commitAtReady) {
        if (!up || life != incarnation || deferredWhilePaused(() -> onPersisted(life, ready, commitAtReady))) {
            return;
        }
        if (ready.mustSync()) {
            disk.sync();
        }
        for (Message m : ready.messagesAfterPersist()) {
            send(m);
        }
        handedToApply.addAll(ready.committedEntries());
        if (!ackOnCommit.isEmpty()) {
            // The mutation ACK_ON_COMMIT: own writes answered as soon as their entry commits.
            for (Entry entry : ready.committedEntries()) {
                CompletableFuture<Applied> early = ackOnCommit.remove(entry.getIndex());
                if (early != null) {
                    early.complete(new Applied(CommandResult.getDefaultInstance(), entry.getIndex()));
                }
            }
        }
        applier.afterPersist(ready, commitAtReady);
        persisting = null;
        raft.advance(ready);
        checkConfiguration();
        process();
    }

    /**
     * Installs the snapshot the core handed back through the production
     * {@code SnapshotSteps}; a received one becomes a held "file" (the production receiver
     * moves it into the snapshot directory).
     */
    private void install(SnapshotMeta meta) {
        StoredSnapshot source = received.containsKey(meta) ? received.get(meta) : held.get(meta);
        if (source == null) {
            throw new IllegalStateException(id + " must install snapshot " + meta.getIndex()
                    + " but holds no such file");
        }
        keep(source);
        applier.install(meta);
    }

    /** Keeps {@code stored} as a snapshot "file" (the newest two are kept) and drops older received ones. */
    private void keep(StoredSnapshot stored) {
        held.remove(stored.meta());
        held.put(stored.meta(), stored);
        while (held.size() > 2) {
            SnapshotMeta oldest = held.keySet().stream().min(java.util.Comparator.comparingLong(SnapshotMeta::getIndex))
                    .orElseThrow();
            held.remove(oldest);
        }
        if (snapshot == null || stored.index() >= snapshot.index()) {
            snapshot = stored;
        }
        received.keySet().removeIf(m -> m.getIndex() <= stored.index());
    }

    private static KvStateMachine restore(StoredSnapshot snapshot) {
        if (StoredSnapshot.crc(snapshot.data()) != snapshot.crc32c()) {
            throw new IllegalStateException("snapshot " + snapshot.index() + " fails its checksum");
        }
        try {
            return KvStateMachine.readSnapshot(new ByteArrayInputStream(snapshot.data()), SessionLimits.DEFAULT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the next task of the simulated apply thread a random while (0 to 2 ms) from now. */
    private void scheduleApply() {
        if (applyScheduled || applyQueue.isEmpty()) {
            return;
        }
        applyScheduled = true;
        int life = incarnation;
        cluster.queue().after(random.nextInt(3), () -> runApplyTask(life));
    }

    private void runApplyTask(int life) {
        if (!up || life != incarnation || deferredWhilePaused(() -> runApplyTask(life))) {
            return;
        }
        applyScheduled = false;
        Runnable task = applyQueue.pollFirst();
        if (task != null) {
            task.run();
        }
        scheduleApply();
    }

    /** What the simulator does on the apply thread: checks, and the snapshot policy. */
    private final class ApplyHooks implements SimulatedApplier.Hooks {
        @Override
        public void afterApply(KvStateMachine stateMachine, long appliedTerm) {
            long applied = stateMachine.appliedIndex();
            while (!handedToApply.isEmpty() && handedToApply.peekFirst().getIndex() <= applied) {
                cluster.checker().onApply(SimNode.this, handedToApply.pollFirst());
            }
            checkConfiguration();
        }

        @Override
        public void installed(long index, KvStateMachine stateMachine) {
            if (!handedToApply.isEmpty() && handedToApply.peekFirst().getIndex() <= index) {
                cluster.checker().fail("apply order: " + id + " installed the snapshot at " + index
                        + " while committed entries from " + handedToApply.peekFirst().getIndex()
                        + " handed to its apply path before it were not applied yet");
            }
            handedToApply.removeIf(e -> e.getIndex() <= index);
            snapshotsInstalled++;
            cluster.checker().onSnapshotInstalled(SimNode.this, index);
            checkConfiguration();
        }
    }

    /** The simulator's snapshot "files", writer thread and streams, as the production snapshot parts use them. */
    private final class Snapshots implements SimulatedApplier.Snapshots {
        @Override
        public void executeOnWriter(Runnable task) {
            writerQueue.addLast(task);
            scheduleWriter();
        }

        @Override
        public void executeOnLoop(Runnable task) {
            int life = incarnation;
            cluster.queue().after(0, () -> onLoop(life, task));
        }

        @Override
        public void written(SnapshotMeta meta, byte[] data) {
            keep(StoredSnapshot.of(meta, data));
            cluster.checker().onSnapshot(SimNode.this, meta.getIndex(), data);
        }

        @Override
        public boolean holds(SnapshotMeta meta) {
            return held.containsKey(meta) || received.containsKey(meta);
        }

        @Override
        public KvStateMachine load(SnapshotMeta meta) {
            StoredSnapshot stored = held.containsKey(meta) ? held.get(meta) : received.get(meta);
            if (stored == null) {
                throw new IllegalStateException(id + " holds no snapshot " + meta.getIndex() + "/" + meta.getTerm());
            }
            return restore(stored);
        }

        @Override
        public List<SnapshotMeta> held() {
            List<SnapshotMeta> newestFirst = new java.util.ArrayList<>(held.keySet());
            newestFirst.sort(java.util.Comparator.comparingLong(SnapshotMeta::getIndex).reversed());
            return newestFirst;
        }

        @Override
        public void send(String to, SnapshotMeta meta, long term) {
            transfers.start(to, held.containsKey(meta) ? held.get(meta) : received.get(meta), term);
        }
    }

    private void onLoop(int life, Runnable task) {
        if (!up || life != incarnation || deferredWhilePaused(() -> onLoop(life, task))) {
            return;
        }
        task.run();
        process();
    }

    /** Runs the next task of the simulated snapshot writer a random while (0 to 4 ms) from now. */
    private void scheduleWriter() {
        if (writerScheduled || writerQueue.isEmpty()) {
            return;
        }
        writerScheduled = true;
        int life = incarnation;
        cluster.queue().after(random.nextInt(5), () -> runWriterTask(life));
    }

    private void runWriterTask(int life) {
        if (!up || life != incarnation || deferredWhilePaused(() -> runWriterTask(life))) {
            return;
        }
        writerScheduled = false;
        Runnable task = writerQueue.pollFirst();
        if (task != null) {
            task.run();
        }
        scheduleWriter();
    }

    /**
     * With everything in its log applied, the configuration the core uses must be the
     * one its state machine holds (the last applied configuration entry, or the
     * snapshot's): membership is defined by the log and the snapshot alone.
     */
    private void checkConfiguration() {
        KvStateMachine stateMachine = applier.stateMachine();
        long appliedIndex = stateMachine.appliedIndex();
        if (!up || appliedIndex != raft.lastIndex() || stateMachine.confState().getVotersCount() == 0) {
            return;
        }
        ConfState applied = stateMachine.confState();
        if (!new HashSet<>(applied.getVotersList()).equals(raft.voters())
                || !new HashSet<>(applied.getLearnersList()).equals(raft.learners())) {
            cluster.checker().fail("configuration: " + id + " uses voters " + raft.voters() + " and learners "
                    + raft.learners() + " but its log and snapshot up to " + appliedIndex + " define voters "
                    + applied.getVotersList() + " and learners " + applied.getLearnersList());
        }
    }
    /**
     * An operator's membership change, asked of this node as the leader, through the
     * production {@code MembershipRequests}: true if it took it, false if it cannot now
     * (down, paused, not the leader, or refused for a passing reason).
     *
     * @throws RefusedException if the leader refuses the change for good (already a member, ...)
     */
    boolean proposeConfChange(ConfChange change) {
        if (!up || cluster.queue().nowMillis() < pausedUntilMillis || raft.role() != Role.LEADER) {
            return false;
        }
        cluster.queue().trace("conf", id, change.toByteArray());
        CompletableFuture<ForwardResponse> answer = membership.change(change,
                cluster.queue().nowMillis() + cluster.requestTimeoutMillis(), false);
        process();
        RefusedException.Reason refused = SimulatedMembership.refusal(answer);
        if (refused != null) {
            throw new RefusedException(refused, "refused by " + id);
        }
        return !answer.isCompletedExceptionally();
    }

    /** An operator's request to hand leadership to {@code target}; refusals are expected and ignored. */
    void transferLeadership(String target) {
        if (!up || cluster.queue().nowMillis() < pausedUntilMillis || raft.role() != Role.LEADER) {
            return;
        }
        membership.transfer(target, cluster.queue().nowMillis() + cluster.requestTimeoutMillis(), false);
        process();
    }

    void reportSnapshot(String to, boolean success) {
        if (up) {
            raft.reportSnapshot(to, success);
            process();
        }
    }

    void receiveChunk(SnapshotChunk chunk) {
        if (!up || deferredWhilePaused(() -> receiveChunk(chunk))) {
            return;
        }
        StoredSnapshot complete = transfers.onChunk(chunk);
        if (complete != null) {
            received.put(complete.meta(), complete);
            raft.step(SnapshotTransfers.snapshotMessage(id, chunk, complete));
            process();
        }
    }

    void receiveSnapshotResponse(String from, InstallSnapshotResponse response) {
        if (!up || deferredWhilePaused(() -> receiveSnapshotResponse(from, response))) {
            return;
        }
        transfers.onResponse(from, response);
        process();
    }

    /**
     * One forwarded write has its outcome: {@code applied} when applied, else {@code failure}.
     * A single write's call (id below 0) is answered at once, as the production leader
     * does; a batch once every write in it has an outcome.
     */
    private void answerForwarded(ForwardedCall call, int position, Applied applied, io.grpc.Status failure) {
        if (call.callId < 0) {
            if (applied != null) {
                cluster.forwardCalls().answer(-call.callId, ForwardResponse.newBuilder()
                        .setResult(applied.result().toByteString()).setIndex(applied.index()).build());
            } else {
                cluster.forwardCalls().answerFailure(-call.callId, failure);
            }
            return;
        }
        call.outcomes[position] = applied != null
                ? CommandOutcome.newBuilder().setResult(applied.result().toByteString()).setIndex(applied.index())
                        .build()
                : CommandOutcome.newBuilder().setError(KvPipeline.error(failure.asRuntimeException())).build();
        if (--call.missing == 0) {
            cluster.forwardCalls().answer(call.callId, ForwardResponse.newBuilder()
                    .addAllOutcomes(java.util.Arrays.asList(call.outcomes)).build());
        }
    }
    private void send(Message m) {
        if (m.getType() == MessageType.MSG_SNAPSHOT) {
            // The core names the follower and its snapshot; the production SnapshotSteps streams it.
            applier.sendSnapshot(m);
            return;
        }
        checkDurableBeforeSending(m);
        String to = m.getTo();
        int life = incarnation;
        cluster.network().send(id, to, m, msg -> {
            if (life != incarnation && cluster.network().loseInFlightOfCrashedSender()) {
                return;
            }
            cluster.node(to).receive(msg);
        });
    }

    /**
     * The persistence rule of Figure 2: what a vote or an acknowledgement promises must
     * already be on stable storage when it is sent. One batch may answer several terms
     * (a vote in term 5, then one in term 6); an answer from a term the node has durably
     * left is covered by that later term, in which it can no longer vote or append for
     * the earlier one.
     */
    private void checkDurableBeforeSending(Message m) {
        HardState durable = disk.durableHardState();
        if (durable.getTerm() > m.getTerm()) {
            return;
        }
        switch (m.getType()) {
            case MSG_APPEND_RESPONSE -> {
                // The entry acknowledged in term T at index i has a term of at most T.
                if (!m.getReject() && m.getIndex() > 0 && !disk.holdsDurably(m.getIndex(), m.getTerm())) {
                    cluster.checker().fail(id + " acknowledged entry " + m.getIndex() + " before it was durable");
                }
            }
            case MSG_VOTE_RESPONSE -> {
                if (!m.getReject() && (durable.getTerm() != m.getTerm() || !durable.getVotedFor().equals(m.getTo()))) {
                    cluster.checker().fail(id + " granted its vote to " + m.getTo() + " in term " + m.getTerm()
                            + " before it was durable (durable: term " + durable.getTerm() + ", vote '"
                            + durable.getVotedFor() + "')");
                }
            }
            default -> { }
        }
    }

    /** The state machine's snapshot bytes: equal on two nodes exactly when their states are. */
    byte[] stateImage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            applier.stateMachine().writeSnapshot(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
