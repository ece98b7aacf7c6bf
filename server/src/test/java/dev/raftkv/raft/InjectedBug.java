package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.storage.LogReader;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Rules of Raft that the simulator's mutation check breaks on purpose, to show that its
 * invariants and checks catch each broken rule. Test code only: each bug is an override
 * of one {@link RaftRules} method, handed to the core through {@link #node}; main code
 * has no switch for any of them.
 */
public enum InjectedBug {
    /** Commit an entry of an earlier term by counting its replicas (forbidden by §5.4.2, Figure 8). */
    COMMIT_BY_COUNTING_OLD_TERM,
    /** Grant votes without the "candidate's log is at least as up-to-date" check (§5.4.1). */
    VOTE_WITHOUT_LOG_CHECK,
    /** Acknowledge appended entries before they are durable (Figure 2, persistent state). */
    ACK_BEFORE_DURABLE,
    /** Serve a ReadIndex read without the heartbeat round that proves leadership (thesis §6.4 step 3). */
    READ_WITHOUT_LEADERSHIP_CHECK,
    /**
     * Accept a configuration change while another is not committed yet (thesis §4.1: one
     * change at a time), so two changes in flight can leave majorities that do not overlap.
     */
    CONF_CHANGE_WHILE_PENDING,
    /**
     * Install a snapshot from the leader without its configuration (§7: the snapshot
     * carries the latest configuration), so the follower keeps a stale membership.
     */
    SNAPSHOT_WITHOUT_CONFIG,
    /**
     * A leader counts its own copy of an entry toward commitment as soon as it appends it,
     * before its own fsync (thesis §10.2.1 allows writing in parallel with replicating, not
     * counting an unsynced copy).
     */
    OWN_ENTRY_COUNTED_BEFORE_FSYNC,
    /**
     * A pre-vote raises the pre-candidate's term (thesis §9.6: a pre-vote changes nothing
     * durable), so a partitioned node comes back with a term that deposes a healthy leader.
     */
    PRE_VOTE_RAISES_TERM;

    /** A core restored like {@link RaftNode#RaftNode(RaftConfig, LogReader, SnapshotMeta)} with {@code bugs} in its rules. */
    public static RaftNode node(RaftConfig config, LogReader store, SnapshotMeta latestSnapshot, Set<InjectedBug> bugs) {
        return new RaftNode(config, store, latestSnapshot, bugs.isEmpty() ? RaftRules.STANDARD : new Broken(bugs));
    }

    /** The standard rules with each of {@code bugs} broken. */
    private static final class Broken extends RaftRules {
        private final Set<InjectedBug> bugs;

        Broken(Set<InjectedBug> bugs) {
            this.bugs = EnumSet.copyOf(bugs);
        }

        @Override
        boolean mayCommitByCounting(long entryTerm, long leaderTerm) {
            return bugs.contains(COMMIT_BY_COUNTING_OLD_TERM) || super.mayCommitByCounting(entryTerm, leaderTerm);
        }

        @Override
        boolean candidateLogUpToDate(RaftLog log, long candidateLastIndex, long candidateLastTerm) {
            return bugs.contains(VOTE_WITHOUT_LOG_CHECK)
                    || super.candidateLogUpToDate(log, candidateLastIndex, candidateLastTerm);
        }

        @Override
        List<Message> acknowledgements(List<Message> now, List<Message> afterPersist) {
            return bugs.contains(ACK_BEFORE_DURABLE) ? now : super.acknowledgements(now, afterPersist);
        }

        @Override
        int readConfirmations(int quorum) {
            // Only the leader itself: the read is served without hearing from anyone.
            return bugs.contains(READ_WITHOUT_LEADERSHIP_CHECK) ? 1 : super.readConfirmations(quorum);
        }

        @Override
        boolean changePending(long configIndex, long commitIndex) {
            return !bugs.contains(CONF_CHANGE_WHILE_PENDING) && super.changePending(configIndex, commitIndex);
        }

        @Override
        ConfState configurationOf(SnapshotMeta snapshot, ConfState inForce) {
            return bugs.contains(SNAPSHOT_WITHOUT_CONFIG) ? inForce : super.configurationOf(snapshot, inForce);
        }

        @Override
        long ownMatchWhenAppended(long durableMatch, long lastIndex) {
            return bugs.contains(OWN_ENTRY_COUNTED_BEFORE_FSYNC) ? lastIndex
                    : super.ownMatchWhenAppended(durableMatch, lastIndex);
        }

        @Override
        long preCandidateTerm(long term) {
            return bugs.contains(PRE_VOTE_RAISES_TERM) ? term + 1 : super.preCandidateTerm(term);
        }
    }
}
