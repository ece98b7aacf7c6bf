package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import java.util.List;

/**
 * The rules of Raft at the points where breaking one makes the core unsafe or
 * disruptive, each as one small method that answers one question the core asks.
 * Main code only ever uses {@link #STANDARD}, the rules as the paper and thesis state
 * them; nothing outside this package can subclass it or hand another instance to a
 * node. The simulator's mutation check (test code in this package) overrides one
 * method at a time through {@link RaftNode}'s package-private constructor, to show
 * that its checks catch each broken rule. Implementations must be stateless and
 * deterministic.
 */
class RaftRules {

    /** The rules as Raft states them. */
    static final RaftRules STANDARD = new RaftRules();

    RaftRules() {
    }

    /**
     * Whether a leader of {@code leaderTerm} may commit an entry of {@code entryTerm}
     * because a majority holds it: only one of its own term (§5.4.2, Figure 8); earlier
     * entries commit with it.
     */
    boolean mayCommitByCounting(long entryTerm, long leaderTerm) {
        return entryTerm == leaderTerm;
    }

    /** Whether a (pre-)vote may go to a candidate whose log ends at this index and term (§5.4.1). */
    boolean candidateLogUpToDate(RaftLog log, long candidateLastIndex, long candidateLastTerm) {
        return log.isUpToDate(candidateLastIndex, candidateLastTerm);
    }

    /**
     * Where a follower's acknowledgements of appended entries and snapshots go:
     * {@code afterPersist}, as they promise durable state (Figure 2), not {@code now}.
     */
    List<Message> acknowledgements(List<Message> now, List<Message> afterPersist) {
        return afterPersist;
    }

    /**
     * How many voters, this leader among them, must answer a heartbeat round before
     * the reads waiting on it are served: a quorum, which proves no newer leader
     * existed when they arrived (thesis §6.4, step 3).
     */
    int readConfirmations(int quorum) {
        return quorum;
    }

    /**
     * Whether a change is refused as another one is not committed yet (thesis §4.1: one
     * change at a time, so the majorities of consecutive configurations overlap).
     */
    boolean changePending(long configIndex, long commitIndex) {
        return configIndex > commitIndex;
    }

    /** The configuration a follower takes from a leader's snapshot: the snapshot's own (§7). */
    ConfState configurationOf(SnapshotMeta snapshot, ConfState inForce) {
        return snapshot.getConf();
    }

    /**
     * The match index a leader counts for itself right after appending entries up to
     * {@code lastIndex}: unchanged, as they are not durable yet. They count once the
     * driver reports them durable ({@link RaftNode#advance}; thesis §10.2.1).
     */
    long ownMatchWhenAppended(long durableMatch, long lastIndex) {
        return durableMatch;
    }

    /** The term a node keeps when it starts a pre-vote: its own, as a pre-vote changes nothing durable (thesis §9.6). */
    long preCandidateTerm(long term) {
        return term;
    }
}
