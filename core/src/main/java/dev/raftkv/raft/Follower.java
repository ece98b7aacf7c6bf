package dev.raftkv.raft;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotMeta;
import java.util.List;

/**
 * The follower's side of replication for one {@link RaftNode}: appends with the
 * consistency check and fast-backtracking hints (§5.3), heartbeats, InstallSnapshot
 * (§7), a leader's TimeoutNow (thesis §3.10) and answers to this node's ReadIndex
 * requests (thesis §6.4). Acknowledgements go out only after what they acknowledge is
 * durable (Figure 2). Not thread-safe, like the node.
 */
final class Follower {

    private final RaftNode node;

    Follower(RaftNode node) {
        this.node = node;
    }

    /** A message to this follower in its term. */
    void step(Message m) {
        switch (m.getType()) {
            case MSG_APPEND -> {
                heardFromLeader(m.getFrom());
                handleAppend(m);
            }
            case MSG_HEARTBEAT -> {
                heardFromLeader(m.getFrom());
                node.log.commitTo(Math.min(m.getCommit(), node.log.lastIndex()));
                node.messagesAfterPersist.add(node.message(MessageType.MSG_HEARTBEAT_RESPONSE, m.getFrom())
                        .setReadSeq(m.getReadSeq()).build());
            }
            case MSG_SNAPSHOT -> {
                heardFromLeader(m.getFrom());
                handleSnapshot(m);
            }
            case MSG_TIMEOUT_NOW -> {
                if (node.tracker.isVoter(node.id) && !node.removals.toldRemoved()) {
                    // The leader hands over (thesis §3.10): campaign now, without pre-vote.
                    node.candidate.campaign(false, true, ElectionEvent.Cause.TIMEOUT_NOW, m.getFrom(), 0);
                }
            }
            case MSG_READ_INDEX_RESPONSE -> {
                if (!m.getReject()) {
                    node.readStates.add(new ReadState(m.getReadId(), m.getIndex()));
                }
            }
            default -> { }
        }
    }

    private void heardFromLeader(String leader) {
        node.electionElapsed = 0;
        node.leaderId = leader;
        node.lastLeaderId = leader;
        node.ticksSinceLeader = 0;
    }

    /** Where acknowledgements go: after the batch that holds what they promise is durable. */
    private List<Message> acks() {
        return node.rules.acknowledgements(node.messages, node.messagesAfterPersist);
    }

    /**
     * InstallSnapshot, receiving side (§7): the driver has received and verified the
     * snapshot file named by {@code m.snapshot}. A snapshot at or below the commit index
     * is old news; one whose last entry this log already holds only moves the commit
     * index; any other replaces the whole log, and the driver installs it from the next
     * {@link Ready}. Either way the answer is an append response at the resulting position.
     */
    private void handleSnapshot(Message m) {
        List<Message> acks = acks();
        RaftLog log = node.log;
        SnapshotMeta snapshot = m.getSnapshot();
        long index = snapshot.getIndex();
        if (index <= log.committed()) {
            acks.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()).build());
            return;
        }
        if (log.matchTerm(index, snapshot.getTerm())) {
            log.commitTo(index);
            acks.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(index).build());
            return;
        }
        log.restore(snapshot);
        node.latestSnapshot = snapshot;
        node.membership.restore(index, snapshot.getTerm(),
                node.rules.configurationOf(snapshot, node.membership.current()));
        node.onConfigurationChanged();
        acks.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(index).build());
    }

    private void handleAppend(Message m) {
        List<Message> acks = acks();
        RaftLog log = node.log;
        if (m.getIndex() < log.committed()) {
            acks.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()).build());
            return;
        }
        long lastNew = log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getEntriesList());
        if (lastNew >= 0) {
            if (node.membership.reconcile(log, m.getEntriesList())) {
                node.onConfigurationChanged();
            } else if (node.removals.toldRemoved()) {
                node.removals.noteOwnMembership();
            }
            log.commitTo(Math.min(m.getCommit(), lastNew));
            acks.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setIndex(lastNew).build());
        } else {
            // Hint where the logs may match: the highest index at or below the rejected one
            // whose term is not above the leader's term there (§5.3, fast backtracking).
            long hintIndex = log.findConflictByTerm(Math.min(m.getIndex(), log.lastIndex()), m.getLogTerm());
            acks.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setReject(true)
                    .setIndex(m.getIndex()).setRejectHint(hintIndex).setLogTerm(log.term(hintIndex)).build());
        }
    }
}
