package dev.raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's side of ReadIndex (thesis §6.4): a read is given the current commit
 * index, then waits until a quorum has answered a heartbeat sent after the read
 * arrived, which proves no newer leader existed when the read arrived.
 *
 * <p>Each heartbeat round carries a sequence number; a follower's answer to round
 * {@code s} confirms every read waiting on a round up to {@code s}, so one round
 * confirms a whole batch of reads.
 */
final class ReadIndexTracker {

    /** A read waiting for confirmation. {@code from} is the asking node (this leader or a follower). */
    record PendingRead(long requestId, String from, long index, long round) {
    }

    private final ArrayDeque<PendingRead> pending = new ArrayDeque<>();
    private final Map<String, Long> ackedRound = new HashMap<>();
    private long lastRound;
    /** A read arrived since the last round started: the next heartbeat must start a new round. */
    private boolean roundNeeded;

    /** Queues a read at {@code index}; it is confirmed by the next round. */
    void add(long requestId, String from, long index) {
        pending.add(new PendingRead(requestId, from, index, lastRound + 1));
        roundNeeded = true;
    }

    boolean roundNeeded() {
        return roundNeeded;
    }

    /** Starts a heartbeat round if a read needs one, and returns the round to carry. */
    long startRoundIfNeeded() {
        if (roundNeeded) {
            lastRound++;
            roundNeeded = false;
        }
        return lastRound;
    }

    long lastRound() {
        return lastRound;
    }

    /** Records that {@code from} answered round {@code round}; returns the reads now confirmed, in order. */
    List<PendingRead> ack(String from, long round, String self, Set<String> voters, int quorum) {
        if (voters.contains(from)) {
            ackedRound.merge(from, round, Math::max);
        }
        return release(self, voters, quorum);
    }

    /** The reads whose round a quorum (this leader included) has answered. */
    List<PendingRead> release(String self, Set<String> voters, int quorum) {
        List<PendingRead> ready = new ArrayList<>();
        while (!pending.isEmpty()) {
            PendingRead head = pending.peek();
            if (head.round() > lastRound) {
                break;
            }
            int acks = 0;
            for (String voter : voters) {
                if (voter.equals(self) || ackedRound.getOrDefault(voter, 0L) >= head.round()) {
                    acks++;
                }
            }
            if (acks < quorum) {
                break;
            }
            ready.add(pending.poll());
        }
        return ready;
    }

    /** Forgets every pending read, as a node that stops being leader must. */
    void reset() {
        pending.clear();
        ackedRound.clear();
        roundNeeded = false;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }
}
