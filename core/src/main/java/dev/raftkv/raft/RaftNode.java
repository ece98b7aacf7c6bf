package dev.raftkv.raft;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
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
 * <p>What it implements, with the rule it follows, and the part that owns it:
 * <ul>
 *   <li>election with randomized timeouts (paper §5.2), PreVote (thesis §9.6), CheckQuorum
 *       and leader stickiness (thesis §6.2, §4.2.3): {@link Candidate};</li>
 *   <li>replication with probe/replicate flow control, batching and fast backtracking
 *       (§5.3), commitment only of entries of the leader's own term, with a no-op at the
 *       start of each term (§5.4.2, §8), ReadIndex reads (thesis §6.4): {@link Leader};
 *       the follower's side: {@link Follower};</li>
 *   <li>snapshots and InstallSnapshot (§7; {@link #snapshotTaken}, {@link #reportSnapshot});
 *       membership changes one node at a time, learners, leadership transfer (thesis §4.1,
 *       §4.2.1, §3.10; {@link #proposeConfChange}, {@link #transferLeadership}), removal
 *       notices: {@link RemovalNotices};</li>
 *   <li>the persistence order of Figure 2, votes and acknowledgements only after the state
 *       they answer for is durable: {@link ReadyBatcher} and {@link Ready}.</li>
 * </ul>
 */
public final class RaftNode {

    final RaftConfig config;
    /** The rules of Raft this node follows: {@link RaftRules#STANDARD} but in the simulator's mutation check. */
    final RaftRules rules;
    final String id;
    final RaftLog log;
    final ProgressTracker tracker;
    final Membership membership;

    // Term, vote, role and timers; the parts change them through the role transitions below.
    long term;
    String votedFor = "";
    String leaderId;
    Role role = Role.FOLLOWER;

    int electionElapsed;
    int heartbeatElapsed;
    /** Ticks since a message from a leader of this node's term was handled (reports only). */
    long ticksSinceLeader;
    /** The leader this node last heard from, or null (reports only). */
    String lastLeaderId;

    // What the next Ready hands out; every part adds to these.
    /** Why elections started or leaders stepped down since the last batch. */
    final List<ElectionEvent> electionEvents = new ArrayList<>();
    final List<Message> messages = new ArrayList<>();
    final List<Message> messagesAfterPersist = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();

    /** The driver's newest snapshot (taken or installed), or null. */
    SnapshotMeta latestSnapshot;

    // The parts, one per responsibility.
    final Leader leader = new Leader(this);
    final Candidate candidate = new Candidate(this);
    final Follower follower = new Follower(this);
    final RemovalNotices removals;
    private final ReadyBatcher batches;

    /**
     * Restores a node whose log was never compacted from what {@code store} (a read-only
     * view, read on the caller's thread) holds durably, and starts it as a follower.
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
        this(config, store, latestSnapshot, RaftRules.STANDARD);
    }

    /** As {@link #RaftNode(RaftConfig, LogReader, SnapshotMeta)}, following {@code rules}. */
    RaftNode(RaftConfig config, LogReader store, SnapshotMeta latestSnapshot, RaftRules rules) {
        this.config = config;
        this.rules = rules;
        this.id = config.id();
        HardState hs = store.hardState();
        this.log = new RaftLog(store, hs.getCommit(), config.appliedIndex(), latestSnapshot);
        this.membership = new Membership(ConfState.newBuilder().addAllVoters(config.voters()).build());
        if (latestSnapshot != null) {
            membership.restore(latestSnapshot.getIndex(), latestSnapshot.getTerm(), latestSnapshot.getConf());
        }
        membership.load(log);
        this.removals = new RemovalNotices(this, membership.everLists(id));
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
        this.batches = new ReadyBatcher(this, term == hs.getTerm() ? hardState() : hs);
        candidate.resetElectionTimeout();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: elections on followers, heartbeats and CheckQuorum on the leader. */
    public void tick() {
        electionElapsed++;
        ticksSinceLeader = role == Role.LEADER ? 0 : ticksSinceLeader + 1;
        if (role == Role.LEADER) {
            leader.tick();
        } else {
            candidate.tick();
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
        leader.requireLeadingNotTransferring();
        return leader.propose(commands);
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
        leader.requireLeadingNotTransferring();
        return leader.proposeConfChange(change, knownAddresses);
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
        leader.requireLeadingNotTransferring();
        leader.transferLeadership(target);
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
        log.requireApplied(snapshot);
        membership.requireSameAt(snapshot);
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
        if (role == Role.LEADER) {
            leader.reportSnapshot(followerId, success);
        }
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
     * Handles a message from a peer. Messages from unknown or stale senders are ignored. A member
     * whose committed configuration does not list the sender answers {@code MSG_REMOVED} too.
     */
    public void step(Message m) {
        if (m.getType() == MessageType.MSG_REMOVED) {
            // A statement about the committed log, whatever the sender's term: no term change.
            removals.handleNotice(m);
            return;
        }
        boolean fromOutsider = removals.tellIfRemoved(m);
        if (m.getTerm() > term) {
            // A node the committed configuration left out never deposes a leader (CheckQuorum would).
            if ((fromOutsider && role == Role.LEADER) || !candidate.stepHigherTerm(m)) {
                return;
            }
        } else if (m.getTerm() < term) {
            candidate.stepLowerTerm(m);
            return;
        }
        switch (m.getType()) {
            case MSG_PRE_VOTE, MSG_VOTE -> candidate.handleVoteRequest(m);
            default -> {
                switch (role) {
                    case LEADER -> leader.step(m);
                    case CANDIDATE, PRE_CANDIDATE -> candidate.step(m);
                    case FOLLOWER -> follower.step(m);
                }
            }
        }
    }

    // ---------------------------------------------------------------- output

    /** Whether {@link #ready()} has anything to hand out. */
    public boolean hasReady() {
        return batches.hasReady();
    }

    /**
     * Takes the next batch of work. The driver must carry it out in the order {@link Ready}
     * states, then call {@link #advance(Ready)}.
     *
     * @throws IllegalStateException if the previous batch was not advanced yet
     */
    public Ready ready() {
        return batches.take();
    }

    /**
     * Acknowledges that {@code ready} was carried out: its entries and hard state are
     * durable and its messages sent. A leader counts its own copies toward a majority only
     * from here (thesis §10.2.1).
     *
     * @throws IllegalStateException if {@code ready} is not the batch last returned by {@link #ready()}
     */
    public void advance(Ready ready) {
        batches.advance(ready, true);
    }

    /**
     * As {@link #advance}, for a driver that syncs off its loop thread: {@code ready} was written
     * (readable, not durable) and its {@code messages} sent; its {@code messagesAfterPersist} wait for
     * the sync, reported by {@link #persisted}. A Ready that changes term or vote, or carries a
     * snapshot, must be synced and {@link #advance}d instead.
     */
    public void advanceWritten(Ready ready) {
        batches.advance(ready, false);
    }

    /** A sync made the entries up to ({@code index}, {@code term}) durable: a leader now counts them for itself. */
    public void persisted(long index, long term) {
        batches.persisted(index, term);
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
        return role == Role.LEADER ? tracker.matchIndexes() : new java.util.LinkedHashMap<>();
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
        return removals.removal();
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

    Ready.SoftState softState() {
        return new Ready.SoftState(role, leaderId, term);
    }

    HardState hardState() {
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
        candidate.resetElectionTimeout();
        tracker.resetVotes();
        leader.reset();
    }

    void becomeFollower(long newTerm, String leader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        leaderId = leader;
    }

    void becomePreCandidate() {
        // Term and vote stay: a pre-vote changes nothing durable (thesis §9.6).
        reset(rules.preCandidateTerm(term));
        role = Role.PRE_CANDIDATE;
    }

    void becomeCandidate() {
        reset(term + 1);
        votedFor = id;
        role = Role.CANDIDATE;
    }

    void becomeLeader() {
        reset(term);
        role = Role.LEADER;
        leaderId = id;
        lastLeaderId = id;
        ticksSinceLeader = 0;
        leader.start();
    }

    /** The configuration in force changed (appended, replaced, or restored from a snapshot). */
    void onConfigurationChanged() {
        removals.noteOwnMembership();
        tracker.setConf(membership.current());
        if (role == Role.LEADER) {
            tracker.syncProgress(id, log.lastIndex(), config.maxInflightMessages());
            leader.onConfigurationChanged();
        }
    }

    Message.Builder message(MessageType type, String to) {
        return Message.newBuilder().setType(type).setFrom(id).setTo(to).setTerm(term);
    }
}
