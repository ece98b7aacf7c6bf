package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.SnapshotMeta;
import java.util.List;

/**
 * The output side of one {@link RaftNode}: what changed since the last {@link Ready}
 * (soft state, hard state, configuration), the batch handed out and not advanced yet,
 * and what advancing it means — the entries it carried are durable, and a leader's own
 * copies count toward commitment from then on. Not thread-safe, like the node.
 */
final class ReadyBatcher {

    private static final long MAX_APPLY_BYTES_PER_READY = 64L << 20;

    private final RaftNode node;
    private Ready.SoftState lastSoftState;
    private HardState lastHardState;
    private ConfState lastConfState;
    private Ready outstanding;

    /**
     * @param storedHardState the hard state the store holds: a node whose term was raised
     *     above it at start-up hands out its own in the first batch, to be persisted
     */
    ReadyBatcher(RaftNode node, HardState storedHardState) {
        this.node = node;
        this.lastHardState = storedHardState;
        this.lastSoftState = node.softState();
        this.lastConfState = node.membership.current();
    }

    /** See {@link RaftNode#hasReady()}. */
    boolean hasReady() {
        if (outstanding != null) {
            return false;
        }
        RaftLog log = node.log;
        return !node.messages.isEmpty() || !node.messagesAfterPersist.isEmpty() || !node.readStates.isEmpty()
                || !node.electionEvents.isEmpty() || log.hasUnstable() || log.hasEntriesToApply()
                || log.hasSnapshotToHandOut() || !node.membership.current().equals(lastConfState)
                || !node.softState().equals(lastSoftState) || !node.hardState().equals(lastHardState)
                || (node.role == Role.LEADER && node.leader.hasWork());
    }

    /** See {@link RaftNode#ready()}. */
    Ready take() {
        if (outstanding != null) {
            throw new IllegalStateException("the previous Ready was not advanced yet");
        }
        if (node.role == Role.LEADER) {
            node.leader.flush();
        }
        RaftLog log = node.log;
        Ready.SoftState soft = node.softState();
        HardState hard = node.hardState();
        SnapshotMeta snapshot = log.takeUnstableSnapshot();
        List<Entry> entries = log.unstableEntries();
        ConfState conf = node.membership.current();
        boolean mustSync = !entries.isEmpty() || snapshot != null || hard.getTerm() != lastHardState.getTerm()
                || !hard.getVotedFor().equals(lastHardState.getVotedFor());
        Ready ready = new Ready(
                soft.equals(lastSoftState) ? null : soft,
                hard.equals(lastHardState) ? null : hard,
                entries,
                log.takeEntriesToApply(MAX_APPLY_BYTES_PER_READY),
                node.messages,
                node.messagesAfterPersist,
                node.readStates,
                mustSync,
                snapshot,
                conf.equals(lastConfState) ? null : conf,
                node.electionEvents);
        lastConfState = conf;
        node.electionEvents.clear();
        node.messages.clear();
        node.messagesAfterPersist.clear();
        node.readStates.clear();
        lastSoftState = soft;
        lastHardState = hard;
        outstanding = ready;
        return ready;
    }

    /**
     * See {@link RaftNode#advance(Ready)} ({@code durable}) and {@link RaftNode#advanceWritten(Ready)}
     * (not yet durable: a leader's own copies count only from {@link #persisted}).
     */
    void advance(Ready ready, boolean durable) {
        if (ready != outstanding) {
            throw new IllegalStateException("advance() must be given the Ready last returned by ready()");
        }
        outstanding = null;
        RaftLog log = node.log;
        if (ready.snapshot() != null) {
            log.snapshotStable(ready.snapshot());
        }
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            log.stableTo(last.getIndex(), last.getTerm());
        }
        if (durable) {
            persisted(log.stableIndex(), log.term(log.stableIndex()));
        }
    }

    /** See {@link RaftNode#persisted}. */
    void persisted(long index, long term) {
        long before = node.log.durableIndex();
        node.log.durableTo(index, term);
        if (node.role == Role.LEADER && node.log.durableIndex() > before) {
            node.leader.ownEntriesDurable(node.log.durableIndex());
        }
    }
}
