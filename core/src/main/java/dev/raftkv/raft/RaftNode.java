package dev.raftkv.raft;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RefusedException.Reason;
import dev.raftkv.storage.LogReader;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Raft state machine of one node: a pure, deterministic, single-threaded core.
 * It has no threads, clock, sockets or files; time is {@link #tick()}, input is
 * {@link #step(Message)}, {@link #propose(List)} and {@link #readIndex(long)}, and
 * output is a {@link Ready} batch that the driver carries out before calling
 * {@link #advance(Ready)}. The same inputs always give the same outputs, which is
 * what lets the simulator replay any run from its seed.
 *
 * <p><b>Not thread-safe.</b> One thread (the driver's event loop) calls every method.
 * Between {@link #ready()} and {@link #advance(Ready)} the driver may keep calling
 * the input methods; it must not take another {@code Ready}.
 *
 * <p>What it implements, with the rule it follows:
 * <ul>
 *   <li>election with randomized timeouts (paper §5.2), PreVote (thesis §9.6),
 *       CheckQuorum and leader stickiness (thesis §6.2, §4.2.3);</li>
 *   <li>replication with per-follower probe/replicate modes, batching by entries and
 *       bytes, a bounded in-flight window, and fast backtracking by term (§5.3);</li>
 *   <li>commitment only of entries of the leader's own term by counting replicas,
 *       with a no-op at the start of each term (§5.4.2, §8);</li>
 *   <li>ReadIndex linearizable reads, also for followers (thesis §6.4);</li>
 *   <li>snapshots and log compaction, and InstallSnapshot for followers whose next
 *       entry was compacted away (§7; see {@link #snapshotTaken}, {@link #reportSnapshot},
 *       {@link Ready#snapshot()});</li>
 *   <li>membership changes one node at a time, learners, and leadership transfer
 *       (thesis §4.1, §4.2.1, §3.10; see {@link #proposeConfChange},
 *       {@link #transferLeadership} and the package documentation);</li>
 *   <li>the persistence order of Figure 2: votes and acknowledgements only after the
 *       state they answer for is durable (see {@link Ready}).</li>
 * </ul>
 */
public final class RaftNode {

    private static final long MAX_APPLY_BYTES_PER_READY = 64L << 20;

    final RaftConfig config;
    final String id;
    final RaftLog log;
    final ProgressTracker tracker;
    final Membership membership;

    private long term;
    private String votedFor = "";
    private String leaderId;
    private Role role = Role.FOLLOWER;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    /** Ticks since a message from a leader of this node's term was handled (reports only). */
    private long ticksSinceLeader;
    /** The leader this node last heard from, or null (reports only). */
    private String lastLeaderId;
    /** The pre-vote round under way, whose cause the vote after it reports; null otherwise. */
    private ElectionEvent preVoteRound;
    /** Why elections started or leaders stepped down since the last batch. */
    private final List<ElectionEvent> electionEvents = new ArrayList<>();

    /** Messages to send now; the {@link Leader} adds to it too. */
    final List<Message> messages = new ArrayList<>();
    private final List<Message> messagesAfterPersist = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    private final Leader leader = new Leader(this);

    /** The driver's newest snapshot (taken or installed), or null. */
    private SnapshotMeta latestSnapshot;

    /** Set when a member told this node it was removed ({@code MSG_REMOVED}); cleared if a newer configuration lists it. */
    private Removal toldRemoved;
    /** Whether a configuration in this node's log or snapshot ever listed it: only then can its own log remove it. */
    private boolean everListed;

    private Ready.SoftState lastSoftState;
    private HardState lastHardState;
    private ConfState lastConfState;
    private Ready outstanding;

    /**
     * Restores a node from what {@code store} holds durably (term, vote, commit index and
     * entries) and starts it as a follower; for a node whose log was never compacted.
     *
     * @param store the read-only view of the node's log; the core only reads it, on the
     *     caller's thread, and the driver writes what each {@link Ready} says through the
     *     store behind it before the next call into this node
     */
    public RaftNode(RaftConfig config, LogReader store) {
        this(config, store, null);
    }

    /**
     * Restores a node from its latest snapshot and what {@code store} holds durably, and
     * starts it as a follower. The configuration in force is the snapshot's, changed by
     * the {@code ENTRY_CONFIG} entries after it.
     *
     * @param latestSnapshot the meta of the newest valid snapshot the driver loaded the
     *     state machine from (and {@code config.appliedIndex()} should be its index),
     *     or null if there is none. If the store does not hold its index with its term
     *     (a crash between saving a received snapshot and resetting the store), the
     *     first {@link Ready} hands it out again so the driver resets the store.
     *     The term starts at least at the last entry's (the snapshot's, for a log that
     *     restarts after it), so an empty log beside a snapshot never acts as a fresh node's.
     * @throws IllegalStateException if the store was compacted past {@code latestSnapshot},
     *     or its commit index is past its last entry (committed entries are gone)
     */
    public RaftNode(RaftConfig config, LogReader store, SnapshotMeta latestSnapshot) {
        this.config = config;
        this.id = config.id();
        HardState hs = store.hardState();
        this.log = new RaftLog(store, hs.getCommit(), config.appliedIndex(), latestSnapshot);
        this.membership = new Membership(ConfState.newBuilder().addAllVoters(config.voters()).build());
        if (latestSnapshot != null) {
            membership.restore(latestSnapshot.getIndex(), latestSnapshot.getTerm(), latestSnapshot.getConf());
        }
        membership.load(log);
        this.everListed = membership.everLists(id);
        this.tracker = new ProgressTracker(membership.current());
        this.latestSnapshot = latestSnapshot;
        // A log never holds an entry of a term later than currentTerm (entries come from leaders of
        // the current term, Figure 2). A store may break that after a crash between appending and
        // persisting the hard state that came with it, or when it is empty beside a snapshot (a
        // received one whose installation a crash cut short, or a log that was lost): without this
        // the node could lead a term below its last entry's and append entries of an older term
        // after it. Raising the term is always safe; the vote belonged to the older term.
        long lastTerm = log.lastTerm();
        this.term = Math.max(hs.getTerm(), lastTerm);
        this.votedFor = term == hs.getTerm() ? hs.getVotedFor() : "";
        // A raised term differs from the stored hard state, so the first Ready carries it to be persisted.
        this.lastHardState = term == hs.getTerm() ? hardState() : hs;
        this.lastSoftState = softState();
        this.lastConfState = membership.current();
        resetRandomizedElectionTimeout();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: elections on followers, heartbeats and CheckQuorum on the leader. */
    public void tick() {
        electionElapsed++;
        ticksSinceLeader = role == Role.LEADER ? 0 : ticksSinceLeader + 1;
        if (role == Role.LEADER) {
            tickLeader();
        } else if (electionElapsed >= randomizedElectionTimeout && mayCampaign()) {
            campaign(config.preVote(), false, ElectionEvent.Cause.ELECTION_TIMEOUT, lastLeaderId,
                    randomizedElectionTimeout);
        }
    }

    /**
     * Voters campaign; learners and removed nodes never do (thesis §4.2.1). One
     * exception keeps a cluster live: a node whose own removal it holds uncommitted
     * (a leader that lost its reign before the change committed) may campaign, with
     * the votes of the new configuration, as its log may be the only one able to
     * win; as leader it commits the change and steps down (thesis §4.2.2). A node a member
     * told it was removed ({@link #removal()}) never campaigns.
     */
    private boolean mayCampaign() {
        if (toldRemoved != null) {
            return false;
        }
        if (tracker.isVoter(id)) {
            return true;
        }
        ConfState previous = membership.previous();
        return membership.currentIndex() > log.committed() && previous != null
                && previous.getVotersList().contains(id) && !tracker.voters().isEmpty();
    }

    private void tickLeader() {
        heartbeatElapsed++;
        leader.tickTransfer();
        if (electionElapsed >= config.electionTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum()) {
                List<String> silent = tracker.inactiveVoters(id);
                if (!tracker.quorumActiveAndReset(id)) {
                    electionEvents.add(new ElectionEvent(ElectionEvent.Cause.CHECK_QUORUM, term, false, Role.LEADER,
                            null, 0, config.electionTicks(), silent, null));
                    becomeFollower(term, null);
                    return;
                }
            }
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            leader.broadcastHeartbeat();
        }
    }

    /**
     * Appends commands to the leader's log as one batch.
     *
     * @throws NotLeaderException if this node is not the leader
     * @throws RefusedException with {@link Reason#TRANSFER_IN_PROGRESS} while leadership is
     *     being handed over: the new leader must not miss entries (thesis §3.10)
     */
    public Proposal propose(List<ByteString> commands) {
        requireLeaderNotTransferring();
        long first = log.lastIndex() + 1;
        List<Entry> entries = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            entries.add(Entry.newBuilder().setIndex(first + i).setTerm(term)
                    .setType(EntryType.ENTRY_COMMAND).setData(commands.get(i)).build());
        }
        leader.append(entries);
        return new Proposal(first, commands.size(), term);
    }

    private void requireLeaderNotTransferring() {
        if (role != Role.LEADER) {
            throw new NotLeaderException(id, leaderId);
        }
        if (leader.transferee() != null) {
            throw new RefusedException(Reason.TRANSFER_IN_PROGRESS, "leadership is being transferred from " + id
                    + " to " + leader.transferee() + "; retry with the new leader");
        }
    }

    /**
     * Proposes a membership change of one node (thesis §4.1). The new configuration
     * takes effect on this leader at once, as it is appended, and on each follower as
     * it appends it; {@code ENTRY_CONFIG} entries carry the whole resulting
     * {@link ConfState}. Removing this leader makes it step down once the entry commits.
     *
     * @return where the change entry went; it took effect for good when that entry is
     *     applied with the proposal's term
     * @throws NotLeaderException if this node is not the leader
     * @throws RefusedException saying why, if the change is refused: another change is not
     *     committed yet ({@link Reason#CHANGE_PENDING}); this leader has not committed
     *     an entry of its term ({@link Reason#LEADER_NOT_READY}); the node is already a
     *     member, is not one, is not a learner, is the last voter, or is a learner whose
     *     log lags more than {@link RaftConfig#maxCatchUpLagEntries()} behind
     *     ({@link Reason#TARGET_LAGGING}); a transfer is in progress
     */
    public Proposal proposeConfChange(ConfChange change) {
        return proposeConfChange(change, List.of());
    }

    /**
     * As {@link #proposeConfChange(ConfChange)}; the new configuration also carries, for
     * each member it holds no address for, the one in {@code knownAddresses} (the driver's
     * configured members): a node that learns the configuration from the log, like a node
     * that joined knowing only itself, can then reach every member.
     */
    public Proposal proposeConfChange(ConfChange change, List<dev.raftkv.proto.Member> knownAddresses) {
        requireLeaderNotTransferring();
        if (log.term(log.committed()) != term) {
            throw new RefusedException(Reason.LEADER_NOT_READY, "leader " + id + " has not committed an entry of its"
                    + " term " + term + " yet, so it may not know the latest configuration; retry shortly");
        }
        if (membership.currentIndex() > log.committed() && !config.has(InjectedBug.CONF_CHANGE_WHILE_PENDING)) {
            throw new RefusedException(Reason.CHANGE_PENDING, "the configuration change at index "
                    + membership.currentIndex() + " is not committed yet (commit index " + log.committed()
                    + "); one change at a time");
        }
        Progress pr = tracker.progress(change.getNodeId());
        ConfState next = ConfChanges.apply(membership.current(), change, pr == null ? 0 : pr.match(),
                log.lastIndex(), config.maxCatchUpLagEntries(), knownAddresses);
        long index = log.lastIndex() + 1;
        leader.append(List.of(Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_CONFIG)
                .setData(next.toByteString()).build()));
        return new Proposal(index, 1, term);
    }

    /**
     * Hands leadership to voter {@code target} (thesis §3.10): proposals are refused
     * from now on; once the target's log matches this leader's, it is sent
     * {@code MSG_TIMEOUT_NOW} and campaigns at once. If it has not taken over within
     * an election timeout, this node goes on leading and accepts proposals again.
     *
     * @throws NotLeaderException if this node is not the leader
     * @throws RefusedException if {@code target} is not a voter or is this node
     *     ({@link Reason#NOT_A_VOTER}), lags more than {@link RaftConfig#maxCatchUpLagEntries()}
     *     behind ({@link Reason#TARGET_LAGGING}), or another transfer is in progress
     */
    public void transferLeadership(String target) {
        requireLeaderNotTransferring();
        leader.transferLeadership(target);
    }

    void sendTimeoutNow(String target) {
        messages.add(message(MessageType.MSG_TIMEOUT_NOW, target).build());
    }

    /**
     * Tells the core that the driver durably saved a snapshot of the state machine at
     * {@code snapshot.index} (§7). The driver may then compact its store up to that
     * index, keeping a tail of entries for slow followers if it likes; this leader
     * sends {@code MSG_SNAPSHOT} with this meta to followers that need entries before
     * the store's first index. Older snapshots than the latest known are ignored.
     *
     * @param snapshot index at most the applied index handed out so far, its term, and the
     *     configuration the state machine held there ({@link ConfState} of the last
     *     applied {@code ENTRY_CONFIG}; empty if none was ever applied)
     * @throws IllegalArgumentException if the index was not applied yet, or its term or
     *     configuration disagree with the log's
     */
    public void snapshotTaken(SnapshotMeta snapshot) {
        long index = snapshot.getIndex();
        if ((latestSnapshot != null && index <= latestSnapshot.getIndex()) || index < log.firstIndex() - 1) {
            return;
        }
        if (index > log.applied()) {
            throw new IllegalArgumentException("snapshot at index " + index + " is past the entries handed out to"
                    + " apply (" + log.applied() + ")");
        }
        if (log.term(index) != snapshot.getTerm()) {
            throw new IllegalArgumentException("snapshot at index " + index + " has term " + snapshot.getTerm()
                    + " but the log's entry there has term " + log.term(index));
        }
        ConfState expected = membership.at(index);
        if (!Membership.isEmpty(snapshot.getConf()) && expected != null && !expected.equals(snapshot.getConf())) {
            throw new IllegalArgumentException("snapshot at index " + index + " holds the configuration "
                    + snapshot.getConf() + " but the log's configuration there is " + expected);
        }
        latestSnapshot = snapshot;
        membership.compact(index, snapshot.getTerm());
    }

    /**
     * The driver's transfer of the snapshot named by a {@code MSG_SNAPSHOT} to
     * {@code followerId} ended: on success the follower is probed from after the
     * snapshot, else from its last known match (which sends a snapshot again if
     * needed). Ignored unless this node leads and a snapshot to that follower is pending.
     */
    public void reportSnapshot(String followerId, boolean success) {
        Progress pr = role == Role.LEADER ? tracker.progress(followerId) : null;
        if (pr == null || pr.mode() != Progress.Mode.SNAPSHOT) {
            return;
        }
        if (!success) {
            pr.snapshotFailed();
        }
        pr.becomeProbe();
        leader.replicateTo(followerId);
    }

    /**
     * Asks for a linearizable read (ReadIndex, thesis §6.4). A {@link ReadState} with
     * {@code requestId} appears in a later {@link Ready} once the read is safe; if
     * leadership changes meanwhile, it never appears and the driver's deadline must
     * end the wait.
     *
     * @throws NotLeaderException if no leader is known to ask
     */
    public void readIndex(long requestId) {
        if (role == Role.LEADER) {
            leader.addRead(requestId, id);
        } else if (leaderId != null) {
            messages.add(message(MessageType.MSG_READ_INDEX, leaderId).setReadId(requestId).build());
        } else {
            throw new NotLeaderException(id, null);
        }
    }

    /**
     * Handles a message from a peer. Messages from unknown or stale senders are ignored.
     * A member whose committed configuration does not list the sender answers it
     * {@code MSG_REMOVED} as well (see {@link #removal()}).
     */
    public void step(Message m) {
        if (m.getType() == MessageType.MSG_REMOVED) {
            // A statement about the committed log, whatever the sender's term: no term change.
            handleRemovedNotice(m);
            return;
        }
        tellIfRemoved(m);
        if (m.getTerm() > term) {
            if (!stepHigherTerm(m)) {
                return;
            }
        } else if (m.getTerm() < term) {
            stepLowerTerm(m);
            return;
        }
        switch (m.getType()) {
            case MSG_PRE_VOTE, MSG_VOTE -> handleVoteRequest(m);
            default -> {
                switch (role) {
                    case LEADER -> leader.step(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
                }
            }
        }
    }

    /** Returns whether to go on handling {@code m}, after adopting its higher term where the rules say so. */
    private boolean stepHigherTerm(Message m) {
        MessageType type = m.getType();
        boolean voteRequest = type == MessageType.MSG_PRE_VOTE || type == MessageType.MSG_VOTE;
        if (voteRequest && !m.getLeaderTransfer() && config.checkQuorum() && leaderId != null
                && electionElapsed < config.electionTicks()) {
            // Leader stickiness: a live leader was heard from within the minimum election
            // timeout, so this candidate cannot be needed; ignoring it keeps a rejoining
            // partitioned node from deposing a healthy leader (thesis §4.2.3).
            return false;
        }
        if (type == MessageType.MSG_PRE_VOTE
                || (type == MessageType.MSG_PRE_VOTE_RESPONSE && !m.getReject())) {
            // A pre-vote is for a term nobody has entered yet: no term change.
            return true;
        }
        boolean fromLeader = type == MessageType.MSG_APPEND || type == MessageType.MSG_HEARTBEAT
                || type == MessageType.MSG_SNAPSHOT;
        if (role != Role.FOLLOWER || type == MessageType.MSG_VOTE) {
            // A leader or candidate deposed, or a follower drawn into another node's election;
            // a follower that only meets a newer leader is no news.
            electionEvents.add(new ElectionEvent(ElectionEvent.Cause.HIGHER_TERM, m.getTerm(), false, role,
                    m.getFrom(), ticksSinceLeader, 0, List.of(), type));
        }
        becomeFollower(m.getTerm(), fromLeader ? m.getFrom() : null);
        return true;
    }

    private void stepLowerTerm(Message m) {
        MessageType type = m.getType();
        if ((config.checkQuorum() || config.preVote())
                && (type == MessageType.MSG_APPEND || type == MessageType.MSG_HEARTBEAT)) {
            // A leader of an older term is cut off; it would keep its followers from
            // electing (they ignore votes while it heartbeats) — tell it our term.
            messages.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setReject(true).build());
        } else if (type == MessageType.MSG_PRE_VOTE) {
            messages.add(message(MessageType.MSG_PRE_VOTE_RESPONSE, m.getFrom()).setReject(true).build());
        }
    }

    // ---------------------------------------------------------------- output

    /** Whether {@link #ready()} has anything to hand out. */
    public boolean hasReady() {
        if (outstanding != null) {
            return false;
        }
        return !messages.isEmpty() || !messagesAfterPersist.isEmpty() || !readStates.isEmpty()
                || !electionEvents.isEmpty() || log.hasUnstable() || log.hasEntriesToApply() || log.hasSnapshotToHandOut()
                || !membership.current().equals(lastConfState)
                || !softState().equals(lastSoftState) || !hardState().equals(lastHardState)
                || (role == Role.LEADER && leader.hasWork());
    }

    /**
     * Takes the next batch of work. The driver must carry it out in the order {@link Ready}
     * states, then call {@link #advance(Ready)}.
     *
     * @throws IllegalStateException if the previous batch was not advanced yet
     */
    public Ready ready() {
        if (outstanding != null) {
            throw new IllegalStateException("the previous Ready was not advanced yet");
        }
        if (role == Role.LEADER) {
            leader.flush();
        }
        Ready.SoftState soft = softState();
        HardState hard = hardState();
        SnapshotMeta snapshot = log.takeUnstableSnapshot();
        List<Entry> entries = log.unstableEntries();
        ConfState conf = membership.current();
        boolean mustSync = !entries.isEmpty() || snapshot != null || hard.getTerm() != lastHardState.getTerm()
                || !hard.getVotedFor().equals(lastHardState.getVotedFor());
        Ready ready = new Ready(
                soft.equals(lastSoftState) ? null : soft,
                hard.equals(lastHardState) ? null : hard,
                entries,
                log.takeEntriesToApply(MAX_APPLY_BYTES_PER_READY),
                messages,
                messagesAfterPersist,
                readStates,
                mustSync,
                snapshot,
                conf.equals(lastConfState) ? null : conf,
                electionEvents);
        lastConfState = conf;
        electionEvents.clear();
        messages.clear();
        messagesAfterPersist.clear();
        readStates.clear();
        lastSoftState = soft;
        lastHardState = hard;
        outstanding = ready;
        return ready;
    }

    /**
     * Acknowledges that {@code ready} was carried out: its entries and hard state are
     * durable and its messages sent.
     */
    public void advance(Ready ready) {
        if (ready != outstanding) {
            throw new IllegalStateException("advance() must be given the Ready last returned by ready()");
        }
        outstanding = null;
        if (ready.snapshot() != null) {
            log.snapshotStable(ready.snapshot());
        }
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            log.stableTo(last.getIndex(), last.getTerm());
            if (role == Role.LEADER) {
                // The leader counts itself towards a majority only once its own copy is
                // durable (thesis §10.2.1).
                leader.ownEntriesDurable(log.stableIndex());
            }
        }
    }

    // ---------------------------------------------------------------- state

    public String id() {
        return id;
    }

    public long term() {
        return term;
    }

    public Role role() {
        return role;
    }

    /** The leader this node knows of in its term, or null. */
    public String leaderId() {
        return leaderId;
    }

    public String votedFor() {
        return votedFor;
    }

    public long commitIndex() {
        return log.committed();
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    public long lastTerm() {
        return log.lastTerm();
    }

    /** Term of the entry at {@code index} (0 past the end). */
    public long termAt(long index) {
        return log.term(index);
    }

    /** The voting members in the configuration in force on this node. */
    public Set<String> voters() {
        return tracker.voters();
    }

    /** The match index of each voter as this leader sees it; empty unless leader. For status output. */
    public java.util.Map<String, Long> matchIndexes() {
        java.util.Map<String, Long> result = new java.util.LinkedHashMap<>();
        if (role == Role.LEADER) {
            tracker.all().forEach((member, pr) -> result.put(member, pr.match()));
        }
        return result;
    }

    /** The learners (members that receive the log but do not vote) in the configuration in force. */
    public Set<String> learners() {
        return tracker.learners();
    }

    /** The configuration in force on this node (the last one in its log), with member addresses. */
    public ConfState confState() {
        return membership.current();
    }

    /**
     * How this node knows it was removed from the cluster, or null while it is not known to
     * be: a member told it ({@code MSG_REMOVED}), or its own log holds a committed
     * configuration without it after one with it (a leader that removed itself). A removed
     * node never campaigns nor votes; it still follows a leader that sends it entries, and
     * is a member again once a newer configuration lists it.
     */
    public Removal removal() {
        if (toldRemoved != null) {
            return toldRemoved;
        }
        ConfState current = membership.current();
        long index = membership.currentIndex();
        if (everListed && !Membership.lists(current, id) && index <= log.committed()) {
            return new Removal(index, membership.currentTerm(), current, id);
        }
        return null;
    }

    /** Whether the configuration in force is not committed yet, so another change would be refused. */
    public boolean isConfChangePending() {
        return membership.currentIndex() > log.committed();
    }

    /** Index of the first entry of the log; entries before it are covered by a snapshot. */
    public long firstIndex() {
        return log.firstIndex();
    }

    /** The newest snapshot the core knows of (taken or installed), or null. */
    public SnapshotMeta latestSnapshot() {
        return latestSnapshot;
    }

    /** The voter this leader is handing leadership to, or null. */
    public String leadTransferee() {
        return role == Role.LEADER ? leader.transferee() : null;
    }

    /** Progress of each follower as the leader sees it (empty unless leader), for status output. */
    public String describeProgress() {
        return role == Role.LEADER ? tracker.all().toString() : "{}";
    }

    private Ready.SoftState softState() {
        return new Ready.SoftState(role, leaderId, term);
    }

    private HardState hardState() {
        return HardState.newBuilder().setTerm(term).setVotedFor(votedFor).setCommit(log.committed()).build();
    }

    // ---------------------------------------------------------------- roles

    private void reset(long newTerm) {
        if (newTerm != term) {
            term = newTerm;
            votedFor = "";
        }
        leaderId = null;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        resetRandomizedElectionTimeout();
        tracker.resetVotes();
        leader.reset();
    }

    private void resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks() + config.random().nextInt(config.electionTicks());
    }

    void becomeFollower(long newTerm, String leader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        leaderId = leader;
    }

    private void becomePreCandidate() {
        // Term and vote stay: a pre-vote changes nothing durable (thesis §9.6).
        leaderId = null;
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        tracker.resetVotes();
        leader.reset();
        role = Role.PRE_CANDIDATE;
    }

    private void becomeCandidate() {
        reset(term + 1);
        votedFor = id;
        role = Role.CANDIDATE;
    }

    private void becomeLeader() {
        reset(term);
        role = Role.LEADER;
        leaderId = id;
        lastLeaderId = id;
        ticksSinceLeader = 0;
        tracker.resetProgress(id, log.lastIndex(), config.maxInflightMessages());
        Progress self = tracker.progress(id);
        self.maybeUpdate(log.stableIndex());
        self.becomeReplicate();
        // A no-op of the new term lets the leader commit, and so learn the commit index
        // of, the entries of earlier terms (§5.4.2, §8).
        long index = log.lastIndex() + 1;
        leader.append(List.of(Entry.newBuilder().setIndex(index).setTerm(term)
                .setType(EntryType.ENTRY_NOOP).build()));
    }

    /**
     * Campaigns; {@code transfer}: at the old leader's request (TimeoutNow), which voters
     * honour despite stickiness. {@code cause}, {@code peer} and {@code timeoutTicks} are
     * reported in an {@link ElectionEvent}.
     */
    private void campaign(boolean pre, boolean transfer, ElectionEvent.Cause cause, String peer, int timeoutTicks) {
        Role before = role;
        MessageType type;
        long campaignTerm;
        if (pre) {
            becomePreCandidate();
            type = MessageType.MSG_PRE_VOTE;
            campaignTerm = term + 1;
        } else {
            becomeCandidate();
            type = MessageType.MSG_VOTE;
            campaignTerm = term;
        }
        ElectionEvent event = new ElectionEvent(cause, term, pre, before, peer, ticksSinceLeader, timeoutTicks,
                List.of(), null);
        electionEvents.add(event);
        preVoteRound = pre ? event : null;
        tracker.recordVote(id, true);
        if (tracker.voteResult() == ProgressTracker.VoteResult.WON) {
            // A single voter wins at once.
            if (pre) {
                campaign(false, transfer, cause, peer, timeoutTicks);
            } else {
                becomeLeader();
            }
            return;
        }
        for (String voter : tracker.voters()) {
            if (voter.equals(id)) {
                continue;
            }
            Message m = Message.newBuilder().setType(type).setFrom(id).setTo(voter).setTerm(campaignTerm)
                    .setIndex(log.lastIndex()).setLogTerm(log.lastTerm()).setLeaderTransfer(transfer).build();
            // A candidate's vote for itself must be durable before it asks for others'.
            (pre ? messages : messagesAfterPersist).add(m);
        }
    }

    private void handleVoteRequest(Message m) {
        boolean pre = m.getType() == MessageType.MSG_PRE_VOTE;
        // A removed node takes no part in elections any more (thesis §4.2.3).
        boolean canVote = toldRemoved == null && (votedFor.equals(m.getFrom())
                || (votedFor.isEmpty() && leaderId == null)
                || (pre && m.getTerm() > term));
        boolean logOk = config.has(InjectedBug.VOTE_WITHOUT_LOG_CHECK)
                || log.isUpToDate(m.getIndex(), m.getLogTerm());
        MessageType responseType = pre ? MessageType.MSG_PRE_VOTE_RESPONSE : MessageType.MSG_VOTE_RESPONSE;
        if (canVote && logOk) {
            Message response = Message.newBuilder().setType(responseType).setFrom(id).setTo(m.getFrom())
                    .setTerm(m.getTerm()).build();
            if (pre) {
                messages.add(response);
            } else {
                electionElapsed = 0;
                votedFor = m.getFrom();
                messagesAfterPersist.add(response);
            }
        } else {
            Message response = message(responseType, m.getFrom()).setReject(true).build();
            (pre ? messages : messagesAfterPersist).add(response);
        }
    }

    private void stepCandidate(Message m) {
        switch (m.getType()) {
            case MSG_APPEND, MSG_HEARTBEAT, MSG_SNAPSHOT -> {
                becomeFollower(term, m.getFrom());
                stepFollower(m);
            }
            case MSG_PRE_VOTE_RESPONSE, MSG_VOTE_RESPONSE -> {
                boolean expected = (role == Role.PRE_CANDIDATE) == (m.getType() == MessageType.MSG_PRE_VOTE_RESPONSE);
                if (!expected) {
                    return;
                }
                tracker.recordVote(m.getFrom(), !m.getReject());
                switch (tracker.voteResult()) {
                    case WON -> {
                        if (role == Role.PRE_CANDIDATE) {
                            ElectionEvent round = preVoteRound;
                            campaign(false, false, round.cause(), round.peer(), round.timeoutTicks());
                        } else {
                            becomeLeader();
                        }
                    }
                    case LOST -> becomeFollower(term, null);
                    case PENDING -> { }
                }
            }
            default -> { }
        }
    }

    private void stepFollower(Message m) {
        switch (m.getType()) {
            case MSG_APPEND -> {
                heardFromLeader(m.getFrom());
                handleAppend(m);
            }
            case MSG_HEARTBEAT -> {
                heardFromLeader(m.getFrom());
                log.commitTo(Math.min(m.getCommit(), log.lastIndex()));
                messagesAfterPersist.add(message(MessageType.MSG_HEARTBEAT_RESPONSE, m.getFrom())
                        .setReadSeq(m.getReadSeq()).build());
            }
            case MSG_SNAPSHOT -> {
                heardFromLeader(m.getFrom());
                handleSnapshot(m);
            }
            case MSG_TIMEOUT_NOW -> {
                if (tracker.isVoter(id) && toldRemoved == null) {
                    // The leader hands over (thesis §3.10): campaign now, without pre-vote.
                    campaign(false, true, ElectionEvent.Cause.TIMEOUT_NOW, m.getFrom(), 0);
                }
            }
            case MSG_READ_INDEX_RESPONSE -> {
                if (!m.getReject()) {
                    readStates.add(new ReadState(m.getReadId(), m.getIndex()));
                }
            }
            default -> { }
        }
    }

    private void heardFromLeader(String leader) {
        electionElapsed = 0;
        leaderId = leader;
        lastLeaderId = leader;
        ticksSinceLeader = 0;
    }

    /**
     * A member says its committed configuration does not list this node. Believed only if
     * that configuration is newer than this node's own, which lists it: a member that lags
     * behind the change adding this node (it says so from an older configuration) is not.
     * Being newer and committed, the member's configuration is the cluster's: a change that
     * added this node again would come later, and reach it by the log.
     */
    private void handleRemovedNotice(Message m) {
        ConfState own = membership.current();
        if (toldRemoved != null || Membership.lists(m.getConf(), id) || !Membership.lists(own, id)) {
            return;
        }
        long ownTerm = membership.currentTerm();
        long ownIndex = membership.currentIndex();
        if (m.getLogTerm() < ownTerm || (m.getLogTerm() == ownTerm && m.getIndex() <= ownIndex)) {
            return;
        }
        toldRemoved = new Removal(m.getIndex(), m.getLogTerm(), m.getConf(), m.getFrom());
        if (role != Role.FOLLOWER || leaderId != null) {
            becomeFollower(term, null);
        }
    }

    /**
     * Answers {@code MSG_REMOVED} to a sender that this member's committed configuration
     * does not list: a node removed while it was cut off, or before the entry reached it,
     * would otherwise campaign forever (etcd's ErrMemberRemoved). Not while the
     * configuration is uncommitted: a leader removing itself still replicates its removal.
     */
    private void tellIfRemoved(Message m) {
        ConfState conf = membership.current();
        long index = membership.currentIndex();
        if (index == 0 || index > log.committed() || !Membership.lists(conf, id) || Membership.lists(conf, m.getFrom())
                || m.getFrom().isEmpty()) {
            return;
        }
        messages.add(message(MessageType.MSG_REMOVED, m.getFrom()).setIndex(index)
                .setLogTerm(membership.currentTerm()).setConf(conf).build());
    }

    /**
     * InstallSnapshot, receiving side (§7): the driver has received and verified the
     * snapshot file named by {@code m.snapshot}. A snapshot at or below the commit index
     * is old news; one whose last entry this log already holds only moves the commit
     * index; any other replaces the whole log, and the driver installs it from the next
     * {@link Ready}. Either way the answer is an append response at the resulting position.
     */
    private void handleSnapshot(Message m) {
        List<Message> acks = config.has(InjectedBug.ACK_BEFORE_DURABLE) ? messages : messagesAfterPersist;
        SnapshotMeta snapshot = m.getSnapshot();
        long index = snapshot.getIndex();
        if (index <= log.committed()) {
            acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()).build());
            return;
        }
        if (log.matchTerm(index, snapshot.getTerm())) {
            log.commitTo(index);
            acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(index).build());
            return;
        }
        log.restore(snapshot);
        latestSnapshot = snapshot;
        membership.restore(index, snapshot.getTerm(), config.has(InjectedBug.SNAPSHOT_WITHOUT_CONFIG)
                ? membership.current() : snapshot.getConf());
        onConfigurationChanged();
        acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(index).build());
    }

    private void handleAppend(Message m) {
        List<Message> acks = config.has(InjectedBug.ACK_BEFORE_DURABLE) ? messages : messagesAfterPersist;
        if (m.getIndex() < log.committed()) {
            acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()).build());
            return;
        }
        long lastNew = log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getEntriesList());
        if (lastNew >= 0) {
            if (membership.reconcile(log, m.getEntriesList())) {
                onConfigurationChanged();
            } else if (toldRemoved != null) {
                noteOwnMembership();
            }
            log.commitTo(Math.min(m.getCommit(), lastNew));
            acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(lastNew).build());
        } else {
            // Hint where the logs may match: the highest index at or below the rejected one
            // whose term is not above the leader's term there (§5.3, fast backtracking).
            long hintIndex = log.findConflictByTerm(Math.min(m.getIndex(), log.lastIndex()), m.getLogTerm());
            acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setReject(true)
                    .setIndex(m.getIndex()).setRejectHint(hintIndex).setLogTerm(log.term(hintIndex)).build());
        }
    }

    /** The configuration in force changed (appended, replaced, or restored from a snapshot). */
    void onConfigurationChanged() {
        noteOwnMembership();
        tracker.setConf(membership.current());
        if (role == Role.LEADER) {
            tracker.syncProgress(id, log.lastIndex(), config.maxInflightMessages());
            leader.onConfigurationChanged();
        }
    }

    /**
     * After the configuration in force changed or moved in the log: remembers that a
     * configuration listed this node, and forgets a removal it was told of once a newer
     * configuration lists it (added again; its content may equal the one before).
     */
    private void noteOwnMembership() {
        if (Membership.lists(membership.current(), id)) {
            everListed = true;
            if (toldRemoved != null && toldRemoved.olderThan(membership.currentTerm(), membership.currentIndex())) {
                toldRemoved = null;
            }
        }
    }

    Message.Builder message(MessageType type, String to) {
        return Message.newBuilder().setType(type).setFrom(id).setTo(to).setTerm(term);
    }
}
