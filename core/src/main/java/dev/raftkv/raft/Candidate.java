package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import java.util.List;

/**
 * Elections for one {@link RaftNode} (paper §5.2, thesis §9.6): the randomized election
 * timeout, who may campaign, the pre-vote and vote campaigns, the answers this node gives
 * to other nodes' (pre-)vote requests, the counting of the answers to its own, and the
 * term rules of messages from other terms (leader stickiness, thesis §4.2.3). The node's
 * term, vote and role stay in the node; this class changes them only through the node's
 * role transitions.
 * Not thread-safe, like the node.
 */
final class Candidate {

    private final RaftNode node;
    /** The pre-vote round under way, whose cause the vote after it reports; null otherwise. */
    private ElectionEvent preVoteRound;
    /** Ticks without a leader after which this node campaigns; drawn anew at each role change. */
    private int randomizedElectionTimeout;

    Candidate(RaftNode node) {
        this.node = node;
    }

    /** Draws the next election timeout from {@code [electionTicks, 2 * electionTicks)} (§5.2). */
    void resetElectionTimeout() {
        int ticks = node.config.electionTicks();
        randomizedElectionTimeout = ticks + node.config.random().nextInt(ticks);
    }

    /** A tick on a follower or (pre-)candidate: it campaigns once no leader was heard from for its timeout. */
    void tick() {
        if (node.electionElapsed >= randomizedElectionTimeout && mayCampaign()) {
            campaign(node.config.preVote(), false, ElectionEvent.Cause.ELECTION_TIMEOUT, node.lastLeaderId,
                    randomizedElectionTimeout);
        }
    }

    /**
     * Voters campaign; learners and removed nodes never do (thesis §4.2.1). One
     * exception keeps a cluster live: a node whose own removal it holds uncommitted
     * (a leader that lost its reign before the change committed) may campaign, with
     * the votes of the new configuration, as its log may be the only one able to
     * win; as leader it commits the change and steps down (thesis §4.2.2). A node a member
     * told it was removed ({@link RaftNode#removal()}) never campaigns.
     */
    boolean mayCampaign() {
        if (node.removals.toldRemoved()) {
            return false;
        }
        ProgressTracker tracker = node.tracker;
        if (tracker.isVoter(node.id)) {
            return true;
        }
        ConfState previous = node.membership.previous();
        return node.membership.currentIndex() > node.log.committed() && previous != null
                && previous.getVotersList().contains(node.id) && !tracker.voters().isEmpty();
    }

    /**
     * Campaigns; {@code pre}: a pre-vote round first, which changes nothing durable;
     * {@code transfer}: at the old leader's request (TimeoutNow), which voters honour
     * despite stickiness. {@code cause}, {@code peer} and {@code timeoutTicks} are
     * reported in an {@link ElectionEvent}.
     */
    void campaign(boolean pre, boolean transfer, ElectionEvent.Cause cause, String peer, int timeoutTicks) {
        Role before = node.role;
        MessageType type;
        long campaignTerm;
        if (pre) {
            node.becomePreCandidate();
            type = MessageType.MSG_PRE_VOTE;
            campaignTerm = node.term + 1;
        } else {
            node.becomeCandidate();
            type = MessageType.MSG_VOTE;
            campaignTerm = node.term;
        }
        ElectionEvent event = new ElectionEvent(cause, node.term, pre, before, peer, node.ticksSinceLeader,
                timeoutTicks, List.of(), null);
        node.electionEvents.add(event);
        preVoteRound = pre ? event : null;
        ProgressTracker tracker = node.tracker;
        tracker.recordVote(node.id, true);
        if (tracker.voteResult() == ProgressTracker.VoteResult.WON) {
            // A single voter wins at once.
            if (pre) {
                campaign(false, transfer, cause, peer, timeoutTicks);
            } else {
                node.becomeLeader();
            }
            return;
        }
        for (String voter : tracker.voters()) {
            if (voter.equals(node.id)) {
                continue;
            }
            Message m = Message.newBuilder().setType(type).setFrom(node.id).setTo(voter).setTerm(campaignTerm)
                    .setIndex(node.log.lastIndex()).setLogTerm(node.log.lastTerm()).setLeaderTransfer(transfer)
                    .build();
            // A candidate's vote for itself must be durable before it asks for others'.
            (pre ? node.messages : node.messagesAfterPersist).add(m);
        }
    }

    /** Another node's (pre-)vote request in this node's term, or (pre-vote) a later one. */
    void handleVoteRequest(Message m) {
        boolean pre = m.getType() == MessageType.MSG_PRE_VOTE;
        // A removed node takes no part in elections any more (thesis §4.2.3).
        boolean canVote = !node.removals.toldRemoved() && (node.votedFor.equals(m.getFrom())
                || (node.votedFor.isEmpty() && node.leaderId == null)
                || (pre && m.getTerm() > node.term));
        boolean logOk = node.rules.candidateLogUpToDate(node.log, m.getIndex(), m.getLogTerm());
        MessageType responseType = pre ? MessageType.MSG_PRE_VOTE_RESPONSE : MessageType.MSG_VOTE_RESPONSE;
        if (canVote && logOk) {
            Message response = Message.newBuilder().setType(responseType).setFrom(node.id).setTo(m.getFrom())
                    .setTerm(m.getTerm()).build();
            if (pre) {
                node.messages.add(response);
            } else {
                node.electionElapsed = 0;
                node.votedFor = m.getFrom();
                node.messagesAfterPersist.add(response);
            }
        } else {
            Message response = node.message(responseType, m.getFrom()).setReject(true).build();
            (pre ? node.messages : node.messagesAfterPersist).add(response);
        }
    }

    /** A message to this (pre-)candidate in its term. */
    void step(Message m) {
        switch (m.getType()) {
            case MSG_APPEND, MSG_HEARTBEAT, MSG_SNAPSHOT -> {
                node.becomeFollower(node.term, m.getFrom());
                node.follower.step(m);
            }
            case MSG_PRE_VOTE_RESPONSE, MSG_VOTE_RESPONSE -> countVote(m);
            default -> { }
        }
    }

    private void countVote(Message m) {
        boolean expected = (node.role == Role.PRE_CANDIDATE) == (m.getType() == MessageType.MSG_PRE_VOTE_RESPONSE);
        if (!expected) {
            return;
        }
        node.tracker.recordVote(m.getFrom(), !m.getReject());
        switch (node.tracker.voteResult()) {
            case WON -> {
                if (node.role == Role.PRE_CANDIDATE) {
                    ElectionEvent round = preVoteRound;
                    campaign(false, false, round.cause(), round.peer(), round.timeoutTicks());
                } else {
                    node.becomeLeader();
                }
            }
            case LOST -> node.becomeFollower(node.term, null);
            case PENDING -> { }
        }
    }

    /** Returns whether to go on handling {@code m}, after adopting its higher term where the rules say so. */
    boolean stepHigherTerm(Message m) {
        MessageType type = m.getType();
        boolean voteRequest = type == MessageType.MSG_PRE_VOTE || type == MessageType.MSG_VOTE;
        if (voteRequest && !m.getLeaderTransfer() && node.config.checkQuorum() && node.leaderId != null
                && node.electionElapsed < node.config.electionTicks()) {
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
        if (node.role != Role.FOLLOWER || type == MessageType.MSG_VOTE) {
            // A leader or candidate deposed, or a follower drawn into another node's election;
            // a follower that only meets a newer leader is no news.
            node.electionEvents.add(new ElectionEvent(ElectionEvent.Cause.HIGHER_TERM, m.getTerm(), false, node.role,
                    m.getFrom(), node.ticksSinceLeader, 0, List.of(), type));
        }
        node.becomeFollower(m.getTerm(), fromLeader ? m.getFrom() : null);
        return true;
    }

    /** A message from an older term: a stale leader or pre-candidate is told this node's term. */
    void stepLowerTerm(Message m) {
        MessageType type = m.getType();
        if ((node.config.checkQuorum() || node.config.preVote())
                && (type == MessageType.MSG_APPEND || type == MessageType.MSG_HEARTBEAT)) {
            // A leader of an older term is cut off; it would keep its followers from
            // electing (they ignore votes while it heartbeats) — tell it our term.
            node.messages.add(node.message(MessageType.MSG_APPEND_RESPONSE, m.getFrom()).setReject(true).build());
        } else if (type == MessageType.MSG_PRE_VOTE) {
            node.messages.add(node.message(MessageType.MSG_PRE_VOTE_RESPONSE, m.getFrom()).setReject(true).build());
        }
    }
}
