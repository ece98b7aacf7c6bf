package dev.raftkv.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.CommandOutcome;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.NotLeaderException;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.RefusedException;
import dev.raftkv.raft.Role;
import dev.raftkv.server.SimulatedForwarder;
import dev.raftkv.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated node: the real {@link RaftNode} core and {@link KvStateMachine}, driven
 * the way the production driver drives them (persist, send, apply, advance), on a
 * {@link SimDisk} that loses unsynced writes when the node crashes. It is also the
 * reference driver for snapshots: every {@code snapshotEveryEntries} applied entries
 * it writes a {@link StoredSnapshot} (which survives crashes whole), tells the core,
 * and compacts its log but a tail; it streams snapshots to followers the core names
 * ({@link SnapshotTransfers}) and installs those it receives; a restart loads the
 * snapshot and replays only the log after it.
 */
final class SimNode {

    private record Waiter(String clientId, long attemptId, long term) {
    }

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

    /** A forwarded write proposed at some index. */
    private record ForwardWaiter(ForwardedCall call, int position, long term) {
    }

    private record PendingRead(String clientId, long attemptId, ClientMessages.Request request) {
    }

    private record ConfirmedRead(PendingRead read, long index) {
    }

    final String id;
    private final Cluster cluster;
    private final SplittableRandom random;
    private SimDisk disk = new SimDisk(this::syncFails);
    /** The newest snapshot "file"; survives crashes. */
    private StoredSnapshot snapshot;
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
    private KvStateMachine stateMachine;
    private boolean up;
    /** Bumped by every crash, so events of an earlier life are ignored. */
    private int incarnation;
    private Ready persisting;
    private final Map<Long, Waiter> waiters = new HashMap<>();
    private final Map<Long, ForwardWaiter> forwardWaiters = new HashMap<>();
    /** The production forwarding of writes to the leader; one per incarnation. */
    private SimulatedForwarder forwarder;
    private final Map<Long, PendingRead> pendingReads = new HashMap<>();
    private final List<ConfirmedRead> confirmedReads = new ArrayList<>();
    private long nextReadId = 1;
    private long appliedIndex;
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
        return appliedIndex;
    }

    RaftNode raft() {
        return raft;
    }

    KvStateMachine stateMachine() {
        return stateMachine;
    }

    /**
     * Starts (or restarts) the node from its newest snapshot and what its disk holds;
     * the state machine replays only the log after the snapshot.
     */
    void start() {
        if (snapshot == null) {
            stateMachine = new KvStateMachine();
            appliedIndex = 0;
            raft = cluster.core(cluster.raftConfig(id, random.split()), disk, null);
        } else {
            stateMachine = restore(snapshot);
            appliedIndex = snapshot.index();
            raft = cluster.core(cluster.raftConfig(id, random.split()).withAppliedIndex(appliedIndex), disk,
                    snapshot.meta());
        }
        up = true;
        int incarnationStarted = incarnation;
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
        cluster.checker().onRestart(id, appliedIndex);
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
        stateMachine = null;
        persisting = null;
        received.clear();
        transfers.clear();
        waiters.clear();
        forwardWaiters.clear();
        forwarder = null;
        cluster.forwardCalls().onCrash(id);
        pendingReads.clear();
        confirmedReads.clear();
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
        long termBefore = raft.term();
        String voteBefore = raft.votedFor();
        raft.tick();
        if (raft.role() == Role.PRE_CANDIDATE) {
            cluster.checker().onPreVote(this, "started or went on with a pre-vote", termBefore, voteBefore);
        }
        forwarder.retryParked();
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
            long readId = nextReadId++;
            try {
                raft.readIndex(readId);
                pendingReads.put(readId, new PendingRead(request.clientId(), request.attemptId(), request));
            } catch (NotLeaderException e) {
                reply(request.clientId(), ClientMessages.Response.notLeader(request.attemptId(), null));
            }
        } else if (raft.role() == Role.LEADER) {
            try {
                Proposal proposal = raft.propose(List.of(request.command().toByteString()));
                waiters.put(proposal.firstIndex(), new Waiter(request.clientId(), request.attemptId(), proposal.term()));
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
            for (int i = 0; i < commands.size(); i++) {
                forwardWaiters.put(proposal.firstIndex() + i, new ForwardWaiter(call, i, proposal.term()));
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
        while (up && persisting == null && raft.hasReady()) {
            Ready ready = raft.ready();
            if (ready.softState() != null) {
                cluster.checker().onSoftState(this, ready.softState());
                if (ready.softState().role() != Role.LEADER) {
                    failWaiters();
                } else {
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
            cluster.queue().after(cluster.fsyncDelayMillis(id, random), () -> onPersisted(life, ready));
        }
    }

    private void onPersisted(int life, Ready ready) {
        if (!up || life != incarnation || deferredWhilePaused(() -> onPersisted(life, ready))) {
            return;
        }
        if (ready.mustSync()) {
            try {
                disk.sync();
            } catch (StorageException e) {
                stopOnStorageFailure();
                return;
            }
        }
        for (Message m : ready.messagesAfterPersist()) {
            send(m);
        }
        for (Entry entry : ready.committedEntries()) {
            apply(entry);
        }
        for (ReadState readState : ready.readStates()) {
            PendingRead read = pendingReads.remove(readState.requestId());
            if (read != null) {
                confirmedReads.add(new ConfirmedRead(read, readState.index()));
            }
        }
        serveReads();
        persisting = null;
        raft.advance(ready);
        maybeTakeSnapshot();
        checkConfiguration();
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

    /** Installs the snapshot the core handed back: one received (or, after a restart, the one on disk). */
    private void install(SnapshotMeta meta) {
        StoredSnapshot source = received.containsKey(meta) ? received.get(meta)
                : snapshot != null && snapshot.meta().equals(meta) ? snapshot : null;
        if (source == null) {
            throw new IllegalStateException(id + " must install snapshot " + meta.getIndex()
                    + " but holds no such file");
        }
        stateMachine = restore(source);
        appliedIndex = meta.getIndex();
        snapshot = source;
        received.keySet().removeIf(m -> m.getIndex() <= meta.getIndex());
        snapshotsInstalled++;
        disk.reset(meta.getIndex(), meta.getTerm());
        cluster.checker().onSnapshotInstalled(this, meta.getIndex());
        checkConfiguration();
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

    /** Every {@code snapshotEveryEntries} applied entries: snapshot, tell the core, compact but a tail. */
    private void maybeTakeSnapshot() {
        long last = snapshot == null ? 0 : snapshot.index();
        if (!up || appliedIndex - last < cluster.settings().snapshotEveryEntries()
                || (raft.latestSnapshot() != null && appliedIndex <= raft.latestSnapshot().getIndex())) {
            // The second case: the core took a newer snapshot from the leader while this
            // batch was being applied; installing it comes next.
            return;
        }
        // The production driver writes the view on another thread while applying goes on;
        // here the write follows at once, as the simulated disk has no latency of its own.
        KvStateMachine.SnapshotView view = stateMachine.snapshotView();
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(view.appliedIndex())
                .setTerm(raft.termAt(view.appliedIndex())).setConf(view.confState()).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            view.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] data = out.toByteArray();
        snapshot = StoredSnapshot.of(meta, data);
        received.keySet().removeIf(m -> m.getIndex() <= meta.getIndex());
        cluster.checker().onSnapshot(this, appliedIndex, data);
        raft.snapshotTaken(meta);
        long compactTo = appliedIndex - cluster.settings().compactionTailEntries();
        if (compactTo > disk.firstIndex() - 1) {
            disk.compact(compactTo);
        }
    }

    /**
     * With everything in its log applied, the configuration the core uses must be the
     * one its state machine holds (the last applied configuration entry, or the
     * snapshot's): membership is defined by the log and the snapshot alone.
     */
    private void checkConfiguration() {
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
     * An operator's membership change, asked of this node: true if it took it (as
     * leader), false if it cannot now (down, paused, not the leader).
     *
     * @throws RefusedException if the leader refuses the change
     */
    boolean proposeConfChange(ConfChange change) {
        if (!up || cluster.queue().nowMillis() < pausedUntilMillis || raft.role() != Role.LEADER) {
            return false;
        }
        cluster.queue().trace("conf", id, change.toByteArray());
        raft.proposeConfChange(change);
        process();
        return true;
    }

    /** An operator's request to hand leadership to {@code target}; refusals are expected and ignored. */
    void transferLeadership(String target) {
        if (!up || cluster.queue().nowMillis() < pausedUntilMillis || raft.role() != Role.LEADER) {
            return;
        }
        try {
            raft.transferLeadership(target);
        } catch (RefusedException refused) {
            return;
        }
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

    private void apply(Entry entry) {
        cluster.checker().onApply(this, entry);
        Waiter waiter = waiters.remove(entry.getIndex());
        ForwardWaiter forwarded = forwardWaiters.remove(entry.getIndex());
        appliedIndex = entry.getIndex();
        if (entry.getType() == EntryType.ENTRY_CONFIG) {
            try {
                stateMachine.applyConfig(entry.getIndex(), ConfState.parseFrom(entry.getData()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("entry " + entry.getIndex() + " holds no configuration", e);
            }
        }
        if (entry.getType() != EntryType.ENTRY_COMMAND) {
            if (entry.getType() != EntryType.ENTRY_CONFIG) {
                stateMachine.skip(entry.getIndex());
            }
            if (waiter != null) {
                reply(waiter.clientId(), ClientMessages.Response.retry(waiter.attemptId()));
            }
            if (forwarded != null) {
                answerForwarded(forwarded, null, entry.getIndex(), superseded(entry));
            }
            return;
        }
        Command command;
        try {
            command = Command.parseFrom(entry.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("entry " + entry.getIndex() + " holds no command", e);
        }
        CommandResult result = stateMachine.apply(entry.getIndex(), command);
        if (forwarded != null) {
            answerForwarded(forwarded, forwarded.term() == entry.getTerm() ? result : null, entry.getIndex(),
                    superseded(entry));
        }
        if (waiter != null) {
            boolean mine = waiter.term() == entry.getTerm();
            reply(waiter.clientId(), mine
                    ? new ClientMessages.Response(waiter.attemptId(), ClientMessages.Status.OK, result, null, id)
                    : ClientMessages.Response.retry(waiter.attemptId()));
        }
    }

    private void serveReads() {
        Iterator<ConfirmedRead> it = confirmedReads.iterator();
        while (it.hasNext()) {
            ConfirmedRead confirmed = it.next();
            if (confirmed.index() <= appliedIndex) {
                it.remove();
                PendingRead read = confirmed.read();
                reply(read.clientId(), new ClientMessages.Response(read.attemptId(), ClientMessages.Status.OK, null,
                        stateMachine.get(read.request().readKey()).orElse(null), raft.leaderId()));
            }
        }
    }

    /** A node that stops leading fails its waiting writes: they may still commit, so clients retry. */
    private void failWaiters() {
        for (Waiter waiter : waiters.values()) {
            reply(waiter.clientId(), ClientMessages.Response.retry(waiter.attemptId()));
        }
        waiters.clear();
        List<ForwardWaiter> forwarded = new ArrayList<>(forwardWaiters.values());
        forwardWaiters.clear();
        for (ForwardWaiter waiter : forwarded) {
            answerForwarded(waiter, null, 0, io.grpc.Status.ABORTED.withDescription(
                    "node " + id + " lost leadership; the write may still commit"));
        }
    }

    /**
     * One forwarded write has its outcome: {@code result} when applied, else {@code failure}.
     * A single write's call (id below 0) is answered at once, as the production leader
     * does; a batch once every write in it has an outcome.
     */
    private void answerForwarded(ForwardWaiter waiter, CommandResult result, long index, io.grpc.Status failure) {
        ForwardedCall call = waiter.call();
        if (call.callId < 0) {
            if (result != null) {
                cluster.forwardCalls().answer(-call.callId, ForwardResponse.newBuilder()
                        .setResult(result.toByteString()).setIndex(index).build());
            } else {
                cluster.forwardCalls().answerFailure(-call.callId, failure);
            }
            return;
        }
        call.outcomes[waiter.position()] = result != null
                ? CommandOutcome.newBuilder().setResult(result.toByteString()).setIndex(index).build()
                : CommandOutcome.newBuilder().setError(KvPipeline.error(failure.asRuntimeException())).build();
        if (--call.missing == 0) {
            cluster.forwardCalls().answer(call.callId, ForwardResponse.newBuilder()
                    .addAllOutcomes(java.util.Arrays.asList(call.outcomes)).build());
        }
    }

    private static io.grpc.Status superseded(Entry entry) {
        return io.grpc.Status.UNAVAILABLE.withDescription("a new leader replaced log entry " + entry.getIndex()
                + " before it committed");
    }

    private void send(Message m) {
        if (m.getType() == MessageType.MSG_SNAPSHOT) {
            // The core names the follower; the driver streams its newest snapshot file.
            StoredSnapshot newest = snapshot;
            for (StoredSnapshot r : received.values()) {
                if (newest == null || r.index() > newest.index()) {
                    newest = r;
                }
            }
            transfers.start(m.getTo(), newest, m.getTerm());
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
            stateMachine.writeSnapshot(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
