package dev.raftkv.raft;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.Member;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The leader's work for one {@link RaftNode}: replication with flow control and
 * fast backtracking (§5.3), snapshots for followers whose next entry was compacted
 * away (§7), commitment of entries of its own term only (§5.4.2), heartbeats, and
 * ReadIndex confirmation (thesis §6.4). Sends are batched: the node's input methods
 * mark followers as due, and {@link #flush()} sends when the driver takes a
 * {@link Ready}. Its state belongs to one reign and is {@link #reset()} whenever the
 * node's term or role changes. Not thread-safe, like the node.
 */
final class Leader {

    private final RaftNode node;
    private final ReadIndexTracker reads = new ReadIndexTracker();
    /** Reads that arrived before this leader committed an entry of its term (thesis §6.4 step 1). */
    private final List<ReadIndexTracker.PendingRead> readsAwaitingTermCommit = new ArrayList<>();
    /** Followers to send appends to at the next flush. */
    private final Set<String> appendsDue = new LinkedHashSet<>();
    /**
     * Followers that are behind after a heartbeat round: send them an append even if it
     * carries no entry, so one lost in flight is found (the follower rejects the gap).
     */
    private final Set<String> probesDue = new LinkedHashSet<>();
    /** The commit index rose since the last flush: tell followers even without new entries. */
    private boolean commitDue;
    /** The voter this leader hands leadership to, or null (thesis §3.10). */
    private String transferee;
    private int transferElapsed;

    Leader(RaftNode node) {
        this.node = node;
    }

    /** Forgets everything of the last reign, as a node that changes term or role must. */
    void reset() {
        reads.reset();
        readsAwaitingTermCommit.clear();
        appendsDue.clear();
        probesDue.clear();
        commitDue = false;
        transferee = null;
    }

    String transferee() {
        return transferee;
    }

    /** Refuses a proposal unless this node leads and is not handing leadership over (thesis §3.10). */
    void requireLeadingNotTransferring() {
        if (node.role != Role.LEADER) {
            throw new NotLeaderException(node.id, node.leaderId);
        }
        if (transferee != null) {
            throw new RefusedException(RefusedException.Reason.TRANSFER_IN_PROGRESS, "leadership is being transferred"
                    + " from " + node.id + " to " + transferee + "; retry with the new leader");
        }
    }

    /**
     * The node just became leader of its term: every member is probed from after this
     * leader's last entry, and a no-op of the new term lets it commit, and so learn the
     * commit index of, the entries of earlier terms (§5.4.2, §8).
     */
    void start() {
        ProgressTracker tracker = node.tracker;
        tracker.resetProgress(node.id, node.log.lastIndex(), node.config.maxInflightMessages());
        Progress self = tracker.progress(node.id);
        // What is durable of its log counts for it from the start; see ownEntriesDurable.
        self.maybeUpdate(node.log.durableIndex());
        self.becomeReplicate();
        long index = node.log.lastIndex() + 1;
        append(List.of(Entry.newBuilder().setIndex(index).setTerm(node.term()).setType(EntryType.ENTRY_NOOP).build()));
    }

    /**
     * A tick on the leader: the heartbeat interval, a transfer's deadline, and CheckQuorum
     * (thesis §6.2): a leader that did not hear from a quorum within an election timeout
     * steps down.
     */
    void tick() {
        node.heartbeatElapsed++;
        tickTransfer();
        if (node.electionElapsed >= node.config.electionTicks()) {
            node.electionElapsed = 0;
            if (node.config.checkQuorum()) {
                ProgressTracker tracker = node.tracker;
                List<String> silent = tracker.inactiveVoters(node.id);
                if (!tracker.quorumActiveAndReset(node.id)) {
                    node.electionEvents.add(new ElectionEvent(ElectionEvent.Cause.CHECK_QUORUM, node.term(), false,
                            Role.LEADER, null, 0, node.config.electionTicks(), silent, null));
                    node.becomeFollower(node.term(), null);
                    return;
                }
            }
        }
        if (node.heartbeatElapsed >= node.config.heartbeatTicks()) {
            node.heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    /** See {@link RaftNode#propose}; the caller checked this node leads and transfers nothing. */
    Proposal propose(List<ByteString> commands) {
        long first = node.log.lastIndex() + 1;
        List<Entry> entries = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            entries.add(Entry.newBuilder().setIndex(first + i).setTerm(node.term())
                    .setType(EntryType.ENTRY_COMMAND).setData(commands.get(i)).build());
        }
        append(entries);
        return new Proposal(first, commands.size(), node.term());
    }

    /** See {@link RaftNode#proposeConfChange}; the caller checked this node leads and transfers nothing. */
    Proposal proposeConfChange(ConfChange change, List<Member> knownAddresses) {
        RaftLog log = node.log;
        long term = node.term();
        if (log.term(log.committed()) != term) {
            throw new RefusedException(RefusedException.Reason.LEADER_NOT_READY, "leader " + node.id + " has not"
                    + " committed an entry of its term " + term + " yet, so it may not know the latest configuration;"
                    + " retry shortly");
        }
        Membership membership = node.membership;
        if (node.rules.changePending(membership.currentIndex(), log.committed())) {
            throw new RefusedException(RefusedException.Reason.CHANGE_PENDING, "the configuration change at index "
                    + membership.currentIndex() + " is not committed yet (commit index " + log.committed()
                    + "); one change at a time");
        }
        Progress pr = node.tracker.progress(change.getNodeId());
        ConfState next = ConfChanges.apply(membership.current(), change, pr == null ? 0 : pr.match(),
                log.lastIndex(), node.config.maxCatchUpLagEntries(), knownAddresses);
        long index = log.lastIndex() + 1;
        append(List.of(Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_CONFIG)
                .setData(next.toByteString()).build()));
        return new Proposal(index, 1, term);
    }

    /** See {@link RaftNode#reportSnapshot}; ignored unless a snapshot to that follower is pending. */
    void reportSnapshot(String followerId, boolean success) {
        Progress pr = node.tracker.progress(followerId);
        if (pr == null || pr.mode() != Progress.Mode.SNAPSHOT) {
            return;
        }
        if (!success) {
            pr.snapshotFailed();
        }
        pr.becomeProbe();
        replicateTo(followerId);
    }

    private void sendTimeoutNow(String target) {
        node.messages.add(node.message(MessageType.MSG_TIMEOUT_NOW, target).build());
    }

    /** See {@link RaftNode#transferLeadership}; the caller checked this node leads and transfers nothing yet. */
    void transferLeadership(String target) {
        ProgressTracker tracker = node.tracker;
        if (target.equals(node.id) || !tracker.isVoter(target)) {
            throw new RefusedException(RefusedException.Reason.NOT_A_VOTER, "cannot transfer leadership to " + target
                    + ": " + (target.equals(node.id) ? "it is the leader already"
                    : tracker.isMember(target) ? "it is a learner" : "it is not a member"));
        }
        Progress pr = tracker.progress(target);
        long lastIndex = node.log.lastIndex();
        long maxLag = node.config.maxCatchUpLagEntries();
        if (pr.match() + maxLag < lastIndex) {
            throw new RefusedException(RefusedException.Reason.TARGET_LAGGING, "cannot transfer leadership to " + target
                    + ": its log reaches " + pr.match() + ", more than " + maxLag + " entries behind the leader's "
                    + lastIndex);
        }
        transferee = target;
        transferElapsed = 0;
        if (pr.match() == lastIndex) {
            sendTimeoutNow(target);
        } else {
            replicateTo(target);
        }
    }

    /** A tick: a target that has not taken over within an election timeout is given up on. */
    void tickTransfer() {
        if (transferee != null && ++transferElapsed >= node.config.electionTicks()) {
            transferee = null;
        }
    }

    /** The configuration changed: a transfer to a node that is no longer a voter ends. */
    void onConfigurationChanged() {
        if (transferee != null && !node.tracker.isVoter(transferee)) {
            transferee = null;
        }
    }

    /** Whether {@link #flush()} has something to send. */
    boolean hasWork() {
        return !appendsDue.isEmpty() || !probesDue.isEmpty() || commitDue || reads.roundNeeded();
    }

    /** Sends what is due: appends (or snapshots), and a heartbeat round if a read waits for one. */
    void flush() {
        flushAppends();
        if (reads.roundNeeded()) {
            broadcastHeartbeat();
        }
    }

    /** Marks {@code to} for an append (or a snapshot) at the next flush. */
    void replicateTo(String to) {
        appendsDue.add(to);
    }

    // ------------------------------------------------ this leader's own progress
    // The one place that decides when the leader's own copy of its entries counts toward
    // a majority: once it is durable (thesis §10.2.1), never when it is only appended.

    /** This leader appended entries up to {@code lastIndex} to its log; they are not durable yet. */
    private void ownEntriesAppended(long lastIndex) {
        Progress self = node.tracker.progress(node.id);
        self.maybeUpdate(node.rules.ownMatchWhenAppended(self.match(), lastIndex));
    }

    /** This leader's own entries up to {@code stableIndex} are durable: they count for its majority. */
    void ownEntriesDurable(long stableIndex) {
        Progress self = node.tracker.progress(node.id);
        self.maybeUpdate(stableIndex);
        maybeCommit();
    }

    /** Handles a message to this leader (in its term). */
    void step(Message m) {
        Progress pr = node.tracker.progress(m.getFrom());
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
                    if (pr.match() < node.log.lastIndex()) {
                        // An append may have been lost: free a slot if the window is stuck
                        // full, and send at least an empty append to expose a gap.
                        pr.freeFirstInflightIfFull();
                        probesDue.add(m.getFrom());
                    }
                    answerReads(reads.ack(m.getFrom(), m.getReadSeq(), node.id, node.tracker.voters(),
                            readConfirmations()));
                }
            }
            case MSG_READ_INDEX -> addRead(m.getReadId(), m.getFrom());
            default -> { }
        }
    }

    private void handleAppendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.getReject()) {
            long hint = m.getRejectHint();
            if (m.getLogTerm() > 0) {
                hint = node.log.findConflictByTerm(hint, m.getLogTerm());
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
        switch (pr.mode()) {
            case PROBE -> pr.becomeReplicate();
            case REPLICATE -> pr.freeInflightsUpTo(m.getIndex());
            case SNAPSHOT -> {
                if (pr.match() >= pr.pendingSnapshot()) {
                    // The follower installed the snapshot: replicate from after it.
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
        }
        if (m.getFrom().equals(transferee) && pr.match() == node.log.lastIndex()) {
            sendTimeoutNow(transferee);
        }
        maybeCommit();
        if (node.role() == Role.LEADER && pr.match() < node.log.lastIndex()) {
            appendsDue.add(m.getFrom());
        }
    }

    /** Appends entries of this leader's term to its log and replicates them. */
    void append(List<Entry> entries) {
        node.log.append(entries);
        if (node.membership.reconcile(node.log, entries)) {
            node.onConfigurationChanged();
        }
        appendsDue.addAll(peers());
        ownEntriesAppended(node.log.lastIndex());
    }

    /** The members this leader replicates to: voters and learners but itself. */
    Set<String> peers() {
        Set<String> peers = new LinkedHashSet<>(node.tracker.all().keySet());
        peers.remove(node.id);
        return peers;
    }

    /**
     * A leader that the committed configuration no longer holds steps down (thesis
     * §4.2.2), handing over to the most up-to-date voter at once if one is caught up.
     */
    private void stepDownIfRemoved() {
        if (node.tracker.isVoter(node.id) || node.membership.currentIndex() > node.log.committed()) {
            return;
        }
        String successor = null;
        for (String voter : node.tracker.voters()) {
            if (node.tracker.progress(voter).match() == node.log.lastIndex()) {
                successor = voter;
                break;
            }
        }
        if (successor != null) {
            sendTimeoutNow(successor);
        }
        node.becomeFollower(node.term(), null);
    }

    /** Commits the highest index a majority holds, if its entry is of this node.term() (§5.4.2). */
    void maybeCommit() {
        long index = node.tracker.quorumMatchIndex();
        if (index <= node.log.committed()) {
            return;
        }
        if (!node.rules.mayCommitByCounting(node.log.term(index), node.term())) {
            return;
        }
        node.log.commitTo(index);
        commitDue = true;
        if (node.log.term(index) == node.term()) {
            releaseReadsAwaitingTermCommit();
        }
        stepDownIfRemoved();
    }

    private void flushAppends() {
        Set<String> targets = new LinkedHashSet<>(appendsDue);
        targets.addAll(probesDue);
        if (commitDue) {
            targets.addAll(peers());
        }
        for (String to : targets) {
            if (node.tracker.progress(to) != null && !to.equals(node.id)) {
                sendAppends(to, commitDue || probesDue.contains(to));
            }
        }
        appendsDue.clear();
        probesDue.clear();
        commitDue = false;
    }

    /** Sends appends to {@code to} until its window is full or it has everything. */
    private void sendAppends(String to, boolean evenIfEmpty) {
        Progress pr = node.tracker.progress(to);
        boolean sent = false;
        while (!pr.isPaused()) {
            if (pr.next() < node.log.firstIndex()) {
                sendSnapshot(to, pr);
                return;
            }
            long prevIndex = pr.next() - 1;
            List<Entry> entries = node.log.entriesFrom(pr.next(), node.config.maxBytesPerMessage(),
                    node.config.maxEntriesPerMessage());
            if (entries.isEmpty() && (sent || (!evenIfEmpty && pr.mode() == Progress.Mode.REPLICATE))) {
                return;
            }
            long lastIndex = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).getIndex();
            node.messages.add(node.message(MessageType.MSG_APPEND, to)
                    .setIndex(prevIndex).setLogTerm(node.log.term(prevIndex))
                    .addAllEntries(entries).setCommit(Math.min(node.log.committed(), lastIndex)).build());
            pr.onAppendSent(lastIndex, !entries.isEmpty());
            sent = true;
        }
    }

    /**
     * The entries {@code to} needs next were compacted away: it gets the latest snapshot
     * (§7) and no appends until the driver reports the transfer's end or it acknowledges.
     */
    private void sendSnapshot(String to, Progress pr) {
        if (node.latestSnapshot() == null || node.latestSnapshot().getIndex() < node.log.firstIndex() - 1) {
            throw new IllegalStateException("the log starts at " + node.log.firstIndex() + " but no snapshot covers the"
                    + " entries before it: the driver must call snapshotTaken() before compacting the store");
        }
        node.messages.add(node.message(MessageType.MSG_SNAPSHOT, to).setSnapshot(node.latestSnapshot()).build());
        pr.becomeSnapshot(node.latestSnapshot().getIndex());
    }

    void broadcastHeartbeat() {
        long round = reads.startRoundIfNeeded();
        for (String peer : peers()) {
            Progress pr = node.tracker.progress(peer);
            node.messages.add(node.message(MessageType.MSG_HEARTBEAT, peer)
                    .setCommit(Math.min(pr.match(), node.log.committed())).setReadSeq(round).build());
        }
        answerReads(reads.release(node.id, node.tracker.voters(), readConfirmations()));
    }

    /** A ReadIndex request from {@code from} (this node or a follower), thesis §6.4. */
    void addRead(long requestId, String from) {
        ReadIndexTracker.PendingRead read = new ReadIndexTracker.PendingRead(requestId, from, 0, 0);
        if (node.log.term(node.log.committed()) != node.term()) {
            // Until an entry of its own node.term() commits, the leader may not know the
            // latest commit index (thesis §6.4, step 1).
            readsAwaitingTermCommit.add(read);
            return;
        }
        reads.add(requestId, from, node.log.committed());
    }

    /** The voters, this leader among them, whose answers to a heartbeat round confirm the reads waiting on it. */
    private int readConfirmations() {
        return node.rules.readConfirmations(node.tracker.quorum());
    }

    private void releaseReadsAwaitingTermCommit() {
        for (ReadIndexTracker.PendingRead read : readsAwaitingTermCommit) {
            reads.add(read.requestId(), read.from(), node.log.committed());
        }
        readsAwaitingTermCommit.clear();
    }

    private void answerReads(List<ReadIndexTracker.PendingRead> confirmed) {
        for (ReadIndexTracker.PendingRead read : confirmed) {
            if (read.from().equals(node.id)) {
                node.readStates.add(new ReadState(read.requestId(), read.index()));
            } else {
                node.messages.add(node.message(MessageType.MSG_READ_INDEX_RESPONSE, read.from())
                        .setReadId(read.requestId()).setIndex(read.index()).build());
            }
        }
    }

}
