package dev.raftkv.sim;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.RefusedException;
import dev.raftkv.raft.Role;
import dev.raftkv.server.Applied;
import dev.raftkv.server.SimulatedApplier;
import dev.raftkv.server.SimulatedForwarder;
import dev.raftkv.server.SimulatedLogSync;
import dev.raftkv.server.SimulatedMembership;
import dev.raftkv.storage.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * A simulated node: an adapter that wires the real {@link RaftNode} core and the
 * production driver parts to the simulator. The core runs on a {@link SimDisk} that loses
 * unsynced writes when the node crashes. Production parts, through {@link SimulatedApplier},
 * {@link SimulatedForwarder} and {@link SimulatedMembership}: the apply path
 * ({@code Applier}, {@code WaitingWrites}, {@code CommitSteps}) on a simulated apply thread
 * ({@link SimThread}, a random while behind the loop), {@code LinearizableReads},
 * {@code Snapshotter} (on a simulated writer thread) and {@code SnapshotSteps},
 * {@code WriteForwarder}/{@code ForwardingSession} and {@code MembershipRequests}.
 *
 * <p>Still its own: the loop itself (the order of a Ready's steps as {@code NodeLoop} does
 * them, with the fsync as a delayed event), the leader's side of {@code Forward} calls (as
 * {@code RaftPeerService} does), the snapshot "files" ({@link SimSnapshotFiles}) and
 * their streaming ({@link SnapshotTransfers}), and the checks the production driver has
 * no place for (durable before sending, acknowledged implies applied, reads).
 */
final class SimNode {

    final String id;
    private final Cluster cluster;
    private final SplittableRandom random;
    private SimDisk disk = new SimDisk(this::syncFails);
    private final SimSnapshotFiles files = new SimSnapshotFiles();
    private final SnapshotTransfers transfers;
    private int snapshotsInstalled;
    private RaftNode raft;
    /** The production apply path; one per incarnation. */
    private SimulatedApplier applier;
    /** The simulated apply thread and snapshot writer of this life. */
    private SimThread applyThread;
    private SimThread writerThread;
    /** Committed entries handed to the apply path and not yet applied, in order. */
    private final ArrayDeque<Entry> handedToApply = new ArrayDeque<>();
    /** The driver mutation {@link DriverBug#ACK_ON_COMMIT}: own writes' futures by index. */
    private final Map<Long, CompletableFuture<Applied>> ackOnCommit = new HashMap<>();
    private boolean up;
    /** Bumped by every crash, so events of an earlier life are ignored. */
    private int incarnation;
    /** The production LogSync: this life's syncs, and the acknowledgements and votes that wait for them. */
    private SimulatedLogSync logSync;
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

    /** The newest snapshot "file" written or installed here. */
    StoredSnapshot snapshot() {
        return files.newest();
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
        StoredSnapshot snapshot = files.newest();
        KvStateMachine stateMachine;
        if (snapshot == null) {
            stateMachine = new KvStateMachine();
            raft = cluster.core(cluster.raftConfig(id, random.split()), disk, null);
        } else {
            stateMachine = SimSnapshotFiles.restore(snapshot);
            raft = cluster.core(cluster.raftConfig(id, random.split()).withAppliedIndex(snapshot.index()), disk,
                    snapshot.meta());
        }
        up = true;
        int incarnationStarted = incarnation;
        applyThread = new SimThread(this, cluster.queue(), random, 2);
        writerThread = new SimThread(this, cluster.queue(), random, 4);
        logSync = new SimulatedLogSync(disk, raft, this::send, task -> onLoop(incarnationStarted, task),
                task -> afterFsync(incarnationStarted, task), () -> cluster.queue().nowMillis());
        applier = new SimulatedApplier(id, raft, disk, logSync::whenIdle, stateMachine, snapshot == null ? null : snapshot.meta(),
                new SimulatedApplier.ApplyThread() {
                    @Override
                    public void execute(Runnable task) {
                        applyThread.execute(task);
                    }

                    @Override
                    public void executeFirst(Runnable task) {
                        applyThread.executeFirst(task);
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
        logSync = null;
        files.crash();
        transfers.clear();
        applyThread = null;
        writerThread = null;
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
    boolean deferredWhilePaused(Runnable action) {
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
        long termBefore = raft.term();
        String voteBefore = raft.votedFor();
        raft.tick();
        if (raft.role() == Role.PRE_CANDIDATE) {
            cluster.checker().onPreVote(this, "started or went on with a pre-vote", termBefore, voteBefore);
        }
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
        long termBefore = raft.term();
        String voteBefore = raft.votedFor();
        raft.step(m);
        if (m.getType() == MessageType.MSG_PRE_VOTE) {
            cluster.checker().onPreVote(this, "answered " + m.getFrom() + "'s pre-vote", termBefore, voteBefore);
        }
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
            SimForwardCalls.Batch call = new SimForwardCalls.Batch(batch ? callId : -callId, commands.size());
            int life = incarnation;
            for (int i = 0; i < commands.size(); i++) {
                int position = i;
                awaitApplied(proposal.firstIndex() + i, proposal.term(), commands.get(i))
                        .whenComplete((applied, error) -> {
                            if (up && life == incarnation) {
                                cluster.forwardCalls().answer(call, position, applied, error == null ? null
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
        if (up && raft.role() == Role.LEADER) {
            cluster.checker().onLeaderCommit(this, cluster);
        }
        while (up && raft.hasReady()) {
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
            try {
                boolean syncNow = logSync.mustSyncNow(ready);
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
                handedToApply.addAll(ready.committedEntries());
                ackOnCommit(ready.committedEntries());
                applier.afterPersist(ready, raft.commitIndex());
                logSync.persist(ready, syncNow);
            } catch (StorageException e) {
                stopOnStorageFailure();
                return;
            }
            checkConfiguration();
        }
    }

    /** The mutation ACK_ON_COMMIT: own writes answered as soon as their entry commits. */
    private void ackOnCommit(List<Entry> committed) {
        if (ackOnCommit.isEmpty()) {
            return;
        }
        for (Entry entry : committed) {
            CompletableFuture<Applied> early = ackOnCommit.remove(entry.getIndex());
            if (early != null) {
                early.complete(new Applied(CommandResult.getDefaultInstance(), entry.getIndex()));
            }
        }
    }

    /** The simulated sync thread: {@code task} runs a simulated fsync later, unless the node crashed meanwhile. */
    private void afterFsync(int life, Runnable task) {
        cluster.queue().after(cluster.fsyncDelayMillis(id, random), () -> runSync(life, task));
    }

    private void runSync(int life, Runnable task) {
        if (!up || life != incarnation || deferredWhilePaused(() -> runSync(life, task))) {
            return;
        }
        task.run();
    }

    /**
     * Installs the snapshot the core handed back through the production
     * {@code SnapshotSteps}; a received one becomes a held "file" (the production receiver
     * moves it into the snapshot directory).
     */
    private void install(SnapshotMeta meta) {
        StoredSnapshot source = files.get(meta);
        if (source == null) {
            throw new IllegalStateException(id + " must install snapshot " + meta.getIndex()
                    + " but holds no such file");
        }
        files.keep(source);
        applier.install(meta);
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
            writerThread.execute(task);
        }

        @Override
        public void executeOnLoop(Runnable task) {
            int life = incarnation;
            cluster.queue().after(0, () -> onLoop(life, task));
        }

        @Override
        public void written(SnapshotMeta meta, byte[] data) {
            files.keep(StoredSnapshot.of(meta, data));
            cluster.checker().onSnapshot(SimNode.this, meta.getIndex(), data);
        }

        @Override
        public boolean holds(SnapshotMeta meta) {
            return files.get(meta) != null;
        }

        @Override
        public KvStateMachine load(SnapshotMeta meta) {
            StoredSnapshot stored = files.get(meta);
            if (stored == null) {
                throw new IllegalStateException(id + " holds no snapshot " + meta.getIndex() + "/" + meta.getTerm());
            }
            return SimSnapshotFiles.restore(stored);
        }

        @Override
        public List<SnapshotMeta> held() {
            return files.held();
        }

        @Override
        public void send(String to, SnapshotMeta meta, long term) {
            transfers.start(to, files.get(meta), term);
        }
    }

    private void onLoop(int life, Runnable task) {
        if (!up || life != incarnation || deferredWhilePaused(() -> onLoop(life, task))) {
            return;
        }
        try {
            task.run();
        } catch (StorageException e) {
            // SnapshotSteps syncs the log after compacting it: a failed sync stops the node
            stopOnStorageFailure();
            return;
        }
        process();
    }

    /**
     * What the production loop does when its store fails (it catches the error, stops,
     * and fails what waits): the node stops, so nothing of the failed batch is taken as
     * durable — its votes and acknowledgements are never sent, the core never advances.
     * Here the stop is a crash (what the disk keeps of the failed sync is up to it), and
     * a supervisor starts the node again a little later.
     */
    private void stopOnStorageFailure() {
        cluster.queue().trace("sync-failed", id, new byte[0]);
        crash();
        cluster.queue().after(100 + random.nextInt(900), () -> {
            if (!up) {
                start();
            }
        });
    }

    private boolean syncFails() {
        return cluster.syncFails(id, random);
    }

    /** Whether the entry at {@code index} of {@code term} would survive a crash of this node now. */
    boolean holdsDurably(long index, long term) {
        return disk.holdsDurablyExactly(index, term);
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
            files.received(complete);
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
