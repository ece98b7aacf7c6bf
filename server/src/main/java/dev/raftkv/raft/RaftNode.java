package dev.raftkv.raft;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.storage.LogStore;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
 *   <li>the persistence order of Figure 2: votes and acknowledgements only after the
 *       state they answer for is durable (see {@link Ready}).</li>
 * </ul>
 */
public final class RaftNode {

    private static final long MAX_APPLY_BYTES_PER_READY = 64L << 20;

    private final RaftConfig config;
    private final String id;
    private final RaftLog log;
    private final ProgressTracker tracker;
    private final ReadIndexTracker reads = new ReadIndexTracker();

    private long term;
    private String votedFor = "";
    private String leaderId;
    private Role role = Role.FOLLOWER;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    private final List<Message> messages = new ArrayList<>();
    private final List<Message> messagesAfterPersist = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();
    /** Reads that arrived before this leader committed an entry of its term (thesis §6.4 step 1). */
    private final List<ReadIndexTracker.PendingRead> readsAwaitingTermCommit = new ArrayList<>();
    /** Followers to send appends to at the next {@link #ready()}: sends are batched. */
    private final Set<String> appendsDue = new LinkedHashSet<>();
    /**
     * Followers that are behind after a heartbeat round: send them an append even if it
     * carries no entry, so one lost in flight is found (the follower rejects the gap).
     */
    private final Set<String> probesDue = new LinkedHashSet<>();
    /** The commit index rose since the last batch: tell followers even without new entries. */
    private boolean commitDue;

    private Ready.SoftState lastSoftState;
    private HardState lastHardState;
    private Ready outstanding;

    /**
     * Restores a node from what {@code store} holds durably (term, vote, commit index and
     * entries) and starts it as a follower.
     */
    public RaftNode(RaftConfig config, LogStore store) {
        this.config = config;
        this.id = config.id();
        HardState hs = store.hardState();
        this.log = new RaftLog(store, hs.getCommit(), config.appliedIndex());
        this.tracker = new ProgressTracker(new LinkedHashSet<>(config.voters()));
        this.term = hs.getTerm();
        this.votedFor = hs.getVotedFor();
        this.lastHardState = hardState();
        this.lastSoftState = softState();
        resetRandomizedElectionTimeout();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: elections on followers, heartbeats and CheckQuorum on the leader. */
    public void tick() {
        electionElapsed++;
        if (role == Role.LEADER) {
            tickLeader();
        } else if (electionElapsed >= randomizedElectionTimeout && tracker.isVoter(id)) {
            campaign(config.preVote());
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        if (electionElapsed >= config.electionTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum() && !tracker.quorumActiveAndReset(id)) {
                becomeFollower(term, null);
                return;
            }
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    /**
     * Appends commands to the leader's log as one batch.
     *
     * @throws NotLeaderException if this node is not the leader
     */
    public Proposal propose(List<ByteString> commands) {
        if (role != Role.LEADER) {
            throw new NotLeaderException(id, leaderId);
        }
        long first = log.lastIndex() + 1;
        List<Entry> entries = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            entries.add(Entry.newBuilder().setIndex(first + i).setTerm(term)
                    .setType(EntryType.ENTRY_COMMAND).setData(commands.get(i)).build());
        }
        appendToOwnLog(entries);
        return new Proposal(first, commands.size(), term);
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
            addLeaderRead(requestId, id);
        } else if (leaderId != null) {
            messages.add(message(MessageType.MSG_READ_INDEX, leaderId).setReadId(requestId).build());
        } else {
            throw new NotLeaderException(id, null);
        }
    }

    /** Handles a message from a peer. Messages from unknown or stale senders are ignored. */
    public void step(Message m) {
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
                    case LEADER -> stepLeader(m);
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
        if (voteRequest && config.checkQuorum() && leaderId != null && electionElapsed < config.electionTicks()) {
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
                || log.hasUnstable() || log.hasEntriesToApply()
                || !softState().equals(lastSoftState) || !hardState().equals(lastHardState)
                || (role == Role.LEADER && (!appendsDue.isEmpty() || !probesDue.isEmpty() || commitDue || reads.roundNeeded()));
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
            flushAppends();
            if (reads.roundNeeded()) {
                broadcastHeartbeat();
            }
        }
        Ready.SoftState soft = softState();
        HardState hard = hardState();
        List<Entry> entries = log.unstableEntries();
        boolean mustSync = !entries.isEmpty() || hard.getTerm() != lastHardState.getTerm()
                || !hard.getVotedFor().equals(lastHardState.getVotedFor());
        Ready ready = new Ready(
                soft.equals(lastSoftState) ? null : soft,
                hard.equals(lastHardState) ? null : hard,
                entries,
                log.takeEntriesToApply(MAX_APPLY_BYTES_PER_READY),
                messages,
                messagesAfterPersist,
                readStates,
                mustSync);
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
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            log.stableTo(last.getIndex(), last.getTerm());
            if (role == Role.LEADER) {
                // The leader counts itself towards a majority only once its own copy is
                // durable (thesis §10.2.1).
                tracker.progress(id).maybeUpdate(log.stableIndex());
                maybeCommit();
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

    /** The voting members this node works with. */
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
        reads.reset();
        readsAwaitingTermCommit.clear();
        appendsDue.clear();
        probesDue.clear();
        commitDue = false;
    }

    private void resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks() + config.random().nextInt(config.electionTicks());
    }

    private void becomeFollower(long newTerm, String leader) {
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
        reads.reset();
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
        tracker.resetProgress(log.lastIndex(), config.maxInflightMessages());
        Progress self = tracker.progress(id);
        self.maybeUpdate(log.stableIndex());
        self.becomeReplicate();
        // A no-op of the new term lets the leader commit, and so learn the commit index
        // of, the entries of earlier terms (§5.4.2, §8).
        long index = log.lastIndex() + 1;
        appendToOwnLog(List.of(Entry.newBuilder().setIndex(index).setTerm(term)
                .setType(EntryType.ENTRY_NOOP).build()));
    }

    private void campaign(boolean pre) {
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
        tracker.recordVote(id, true);
        if (tracker.voteResult() == ProgressTracker.VoteResult.WON) {
            // A single voter wins at once.
            if (pre) {
                campaign(false);
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
                    .setIndex(log.lastIndex()).setLogTerm(log.lastTerm()).build();
            // A candidate's vote for itself must be durable before it asks for others'.
            (pre ? messages : messagesAfterPersist).add(m);
        }
    }

    private void handleVoteRequest(Message m) {
        boolean pre = m.getType() == MessageType.MSG_PRE_VOTE;
        boolean canVote = votedFor.equals(m.getFrom())
                || (votedFor.isEmpty() && leaderId == null)
                || (pre && m.getTerm() > term);
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
            case MSG_APPEND, MSG_HEARTBEAT -> {
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
                            campaign(false);
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
                electionElapsed = 0;
                leaderId = m.getFrom();
                handleAppend(m);
            }
            case MSG_HEARTBEAT -> {
                electionElapsed = 0;
                leaderId = m.getFrom();
                log.commitTo(Math.min(m.getCommit(), log.lastIndex()));
                messagesAfterPersist.add(message(MessageType.MSG_HEARTBEAT_RESPONSE, m.getFrom())
                        .setReadSeq(m.getReadSeq()).build());
            }
            case MSG_READ_INDEX_RESPONSE -> {
                if (!m.getReject()) {
                    readStates.add(new ReadState(m.getReadId(), m.getIndex()));
                }
            }
            default -> { }
        }
    }

    private void handleAppend(Message m) {
        List<Message> acks = config.has(InjectedBug.ACK_BEFORE_DURABLE) ? messages : messagesAfterPersist;
        if (m.getIndex() < log.committed()) {
            acks.add(message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()).build());
            return;
        }
        long lastNew = log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getEntriesList());
        if (lastNew >= 0) {
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

    private void stepLeader(Message m) {
        Progress pr = tracker.progress(m.getFrom());
        switch (m.getType()) {
            case MSG_APPEND_RESPONSE -> {
                if (pr != null) {
                    handleAppendResponse(m, pr);
                }
            }
            case MSG_HEARTBEAT_RESPONSE -> {
                if (pr != null) {
                    pr.setRecentActive(true);
                    pr.resumeProbe();
                    if (pr.match() < log.lastIndex()) {
                        // An append may have been lost: free a slot if the window is stuck
                        // full, and send at least an empty append to expose a gap.
                        pr.freeFirstInflightIfFull();
                        probesDue.add(m.getFrom());
                    }
                    answerReads(reads.ack(m.getFrom(), m.getReadSeq(), id, tracker.voters(), tracker.quorum()));
                }
            }
            case MSG_READ_INDEX -> addLeaderRead(m.getReadId(), m.getFrom());
            default -> { }
        }
    }

    private void handleAppendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.getReject()) {
            long hint = m.getRejectHint();
            if (m.getLogTerm() > 0) {
                hint = log.findConflictByTerm(hint, m.getLogTerm());
            }
            if (pr.maybeDecreaseTo(m.getIndex(), hint)) {
                if (pr.mode() == Progress.Mode.REPLICATE) {
                    pr.becomeProbe();
                }
                appendsDue.add(m.getFrom());
            }
            return;
        }
        if (!pr.maybeUpdate(m.getIndex())) {
            return;
        }
        if (pr.mode() == Progress.Mode.PROBE) {
            pr.becomeReplicate();
        } else {
            pr.freeInflightsUpTo(m.getIndex());
        }
        maybeCommit();
        if (pr.match() < log.lastIndex()) {
            appendsDue.add(m.getFrom());
        }
    }

    // ---------------------------------------------------------------- leader work

    private void appendToOwnLog(List<Entry> entries) {
        log.append(entries);
        for (String voter : tracker.voters()) {
            if (!voter.equals(id)) {
                appendsDue.add(voter);
            }
        }
    }

    /** Commits the highest index a majority holds, if its entry is of this term (§5.4.2). */
    private void maybeCommit() {
        long index = tracker.quorumMatchIndex();
        if (index <= log.committed()) {
            return;
        }
        if (log.term(index) != term && !config.has(InjectedBug.COMMIT_BY_COUNTING_OLD_TERM)) {
            return;
        }
        log.commitTo(index);
        commitDue = true;
        if (log.term(index) == term) {
            releaseReadsAwaitingTermCommit();
        }
    }

    private void flushAppends() {
        Set<String> targets = new LinkedHashSet<>(appendsDue);
        targets.addAll(probesDue);
        if (commitDue) {
            for (String voter : tracker.voters()) {
                if (!voter.equals(id)) {
                    targets.add(voter);
                }
            }
        }
        for (String to : targets) {
            sendAppends(to, commitDue || probesDue.contains(to));
        }
        appendsDue.clear();
        probesDue.clear();
        commitDue = false;
    }

    /** Sends appends to {@code to} until its window is full or it has everything. */
    private void sendAppends(String to, boolean evenIfEmpty) {
        Progress pr = tracker.progress(to);
        boolean sent = false;
        while (!pr.isPaused()) {
            long prevIndex = pr.next() - 1;
            List<Entry> entries = log.entriesFrom(pr.next(), config.maxBytesPerMessage(),
                    config.maxEntriesPerMessage());
            if (entries.isEmpty() && (sent || (!evenIfEmpty && pr.mode() == Progress.Mode.REPLICATE))) {
                return;
            }
            long lastIndex = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).getIndex();
            messages.add(message(MessageType.MSG_APPEND, to).setIndex(prevIndex).setLogTerm(log.term(prevIndex))
                    .addAllEntries(entries).setCommit(Math.min(log.committed(), lastIndex)).build());
            pr.onAppendSent(lastIndex, !entries.isEmpty());
            sent = true;
        }
    }

    private void broadcastHeartbeat() {
        long round = reads.startRoundIfNeeded();
        for (String voter : tracker.voters()) {
            if (voter.equals(id)) {
                continue;
            }
            Progress pr = tracker.progress(voter);
            messages.add(message(MessageType.MSG_HEARTBEAT, voter)
                    .setCommit(Math.min(pr.match(), log.committed())).setReadSeq(round).build());
        }
        answerReads(reads.release(id, tracker.voters(), tracker.quorum()));
    }

    private void addLeaderRead(long requestId, String from) {
        ReadIndexTracker.PendingRead read = new ReadIndexTracker.PendingRead(requestId, from, 0, 0);
        if (log.term(log.committed()) != term) {
            // Until an entry of its own term commits, the leader may not know the
            // latest commit index (thesis §6.4, step 1).
            readsAwaitingTermCommit.add(read);
            return;
        }
        if (config.has(InjectedBug.READ_WITHOUT_LEADERSHIP_CHECK)) {
            answerReads(List.of(new ReadIndexTracker.PendingRead(requestId, from, log.committed(), 0)));
            return;
        }
        reads.add(requestId, from, log.committed());
    }

    private void releaseReadsAwaitingTermCommit() {
        for (ReadIndexTracker.PendingRead read : readsAwaitingTermCommit) {
            reads.add(read.requestId(), read.from(), log.committed());
        }
        readsAwaitingTermCommit.clear();
    }

    private void answerReads(List<ReadIndexTracker.PendingRead> confirmed) {
        for (ReadIndexTracker.PendingRead read : confirmed) {
            if (read.from().equals(id)) {
                readStates.add(new ReadState(read.requestId(), read.index()));
            } else {
                messages.add(message(MessageType.MSG_READ_INDEX_RESPONSE, read.from())
                        .setReadId(read.requestId()).setIndex(read.index()).build());
            }
        }
    }

    private Message.Builder message(MessageType type, String to) {
        return Message.newBuilder().setType(type).setFrom(id).setTo(to).setTerm(term);
    }
}
