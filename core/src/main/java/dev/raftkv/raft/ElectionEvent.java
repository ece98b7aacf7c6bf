package dev.raftkv.raft;

import dev.raftkv.proto.MessageType;
import java.util.List;

/**
 * Why an election started on this node, or why this node stopped leading: the core
 * records one each time it starts a pre-vote or a vote (§5.2, thesis §9.6), each time a
 * leader steps down (CheckQuorum, thesis §6.2, or a higher term, §5.1), and each time a
 * follower's term is raised by another node's vote request, and hands them out in
 * {@link Ready#electionEvents()} for the driver to log and count. Only a report: the
 * core's behaviour does not depend on it.
 *
 * @param cause what set it off
 * @param term the node's term after the event (a pre-vote leaves it unchanged)
 * @param preVote for {@link Cause#ELECTION_TIMEOUT}: true for the pre-vote round (the term is not
 *     raised yet), false for the vote that follows a won pre-vote (the term was raised)
 * @param roleBefore the role the node had when it happened
 * @param peer {@link Cause#ELECTION_TIMEOUT}: the leader last heard from, or null if none was
 *     ever heard from in this life; {@link Cause#TIMEOUT_NOW}: the leader handing over;
 *     {@link Cause#HIGHER_TERM}: the sender of the higher term; else null
 * @param ticksSinceLeader ticks since this node last handled a message from a leader of its
 *     term (append, heartbeat or snapshot), or since it started; 0 on a leader
 * @param timeoutTicks {@link Cause#ELECTION_TIMEOUT}: the randomized election timeout that
 *     fired; {@link Cause#CHECK_QUORUM}: the interval in which a quorum was not heard from; else 0
 * @param silentVoters {@link Cause#CHECK_QUORUM}: the voters not heard from in that interval; else empty
 * @param messageType {@link Cause#HIGHER_TERM}: the type of the message that carried the higher term; else null
 */
public record ElectionEvent(Cause cause, long term, boolean preVote, Role roleBefore, String peer,
                            long ticksSinceLeader, int timeoutTicks, List<String> silentVoters,
                            MessageType messageType) {

    /** What set an election event off. */
    public enum Cause {
        /** A follower (or pre-candidate, candidate) heard from no leader for its randomized election timeout. */
        ELECTION_TIMEOUT,
        /** The leader asked this node to campaign at once (leadership transfer, thesis §3.10). */
        TIMEOUT_NOW,
        /** A leader did not hear from a quorum within an election timeout and stepped down. */
        CHECK_QUORUM,
        /**
         * A message with a higher term made a leader or candidate step down, or raised a
         * follower's term through another node's vote request.
         */
        HIGHER_TERM
    }

    public ElectionEvent {
        silentVoters = List.copyOf(silentVoters);
    }

    /**
     * Whether this event is an election timeout that fired: a pre-vote round, or (without
     * pre-vote) a vote, started because no leader was heard from; not the vote that follows
     * a won pre-vote.
     */
    public boolean timeoutFired() {
        return cause == Cause.ELECTION_TIMEOUT && (preVote || roleBefore != Role.PRE_CANDIDATE);
    }

    /** Whether this event raised the node's term to start its own election. */
    public boolean startedElection() {
        return (cause == Cause.ELECTION_TIMEOUT && !preVote) || cause == Cause.TIMEOUT_NOW;
    }

    /** Whether this event ended this node's leadership. */
    public boolean leaderSteppedDown() {
        return roleBefore == Role.LEADER && (cause == Cause.CHECK_QUORUM || cause == Cause.HIGHER_TERM);
    }
}
