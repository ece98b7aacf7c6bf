package dev.raftkv.raft;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.storage.CompactedException;
import dev.raftkv.storage.LogReader;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's view of the log: what the store holds (read through its read-only
 * {@link LogReader}; the driver writes it), followed by
 * <em>unstable</em> entries the core accepted but the driver has not yet persisted.
 * Unstable entries take precedence over stored ones at the same index (a follower
 * may have replaced a conflicting suffix the store still holds).
 *
 * <p>A snapshot received from the leader (§7) is <em>unstable</em> too until the
 * driver has installed it and reset the store: meanwhile the log starts after it,
 * whatever the store still holds.
 *
 * <p>It also holds the commit index and how far committed entries were handed out
 * for applying. Not thread-safe; owned by one {@link RaftNode}.
 */
final class RaftLog {

    private final LogReader store;
    /** Entries from {@code unstableOffset} on, not yet durable. */
    private final ArrayList<Entry> unstable = new ArrayList<>();
    private long unstableOffset;
    /**
     * The last index known durable. The store holds every entry below {@code unstableOffset}
     * (the driver wrote it), but a driver that syncs off its loop thread reports durability
     * later ({@link RaftNode#advanceWritten}, {@link RaftNode#persisted}); until then this
     * lags behind.
     */
    private long durableIndex;
    private long committed;
    /** Committed entries up to here were handed out to be applied. */
    private long applied;
    /** A snapshot accepted from the leader that the store does not reflect yet, else null. */
    private SnapshotMeta unstableSnapshot;
    private boolean snapshotHandedOut;

    /**
     * @param committed the commit index of the store's hard state: the store holds every
     *     entry up to it, as the driver persists a hard state only together with or after
     *     the entries it covers (and a reset to a snapshot before the commit index that
     *     follows it)
     * @param snapshot the driver's latest snapshot, or null; if the store does not hold
     *     its index with its term (the node crashed between saving a received snapshot
     *     and resetting the store, or the store is empty), it becomes unstable and is
     *     handed out again: the log restarts after it, as when installing it (§7)
     * @throws IllegalStateException if the store cannot be what this node persisted: its
     *     commit index is past its last entry (committed entries are gone, whatever a
     *     snapshot covers: the entries this node acknowledged after it may be gone too),
     *     or it was compacted past the snapshot
     */
    RaftLog(LogReader store, long committed, long applied, SnapshotMeta snapshot) {
        this.store = store;
        this.unstableOffset = store.lastIndex() + 1;
        this.durableIndex = store.lastIndex();
        long storeSnapshotIndex = store.firstIndex() - 1;
        if (committed > store.lastIndex()) {
            throw new IllegalStateException("the stored commit index " + committed
                    + " is past the last stored index " + store.lastIndex() + ": entries this node committed are"
                    + " missing from its log (was the log replaced, truncated or written by another backend?)");
        }
        if (snapshot != null && snapshot.getIndex() < storeSnapshotIndex) {
            throw new IllegalStateException("the log is compacted up to " + storeSnapshotIndex
                    + " but the latest snapshot is at " + snapshot.getIndex() + ": a newer snapshot is missing");
        }
        if (snapshot != null && snapshot.getIndex() > storeSnapshotIndex
                && (snapshot.getIndex() > store.lastIndex() || store.term(snapshot.getIndex()) != snapshot.getTerm())) {
            restore(snapshot);
            return;
        }
        long floor = snapshot == null ? storeSnapshotIndex : Math.max(storeSnapshotIndex, snapshot.getIndex());
        this.committed = Math.max(committed, floor);
        this.applied = Math.max(Math.min(applied, this.committed), floor);
    }

    long firstIndex() {
        return unstableSnapshot != null ? unstableSnapshot.getIndex() + 1 : store.firstIndex();
    }

    /** Replaces the whole log by a snapshot from the leader (§7): everything after it is gone too. */
    void restore(SnapshotMeta snapshot) {
        unstable.clear();
        unstableOffset = snapshot.getIndex() + 1;
        durableIndex = Math.min(durableIndex, snapshot.getIndex());
        committed = snapshot.getIndex();
        applied = snapshot.getIndex();
        unstableSnapshot = snapshot;
        snapshotHandedOut = false;
    }

    /** The snapshot the driver must install with the next batch, or null; marks it handed out. */
    SnapshotMeta takeUnstableSnapshot() {
        if (unstableSnapshot == null || snapshotHandedOut) {
            return null;
        }
        snapshotHandedOut = true;
        return unstableSnapshot;
    }

    boolean hasSnapshotToHandOut() {
        return unstableSnapshot != null && !snapshotHandedOut;
    }

    /** The driver installed {@code snapshot} and reset the store to it. */
    void snapshotStable(SnapshotMeta snapshot) {
        if (snapshot.equals(unstableSnapshot)) {
            unstableSnapshot = null;
        }
    }

    long lastIndex() {
        return unstable.isEmpty() ? unstableOffset - 1 : unstableOffset + unstable.size() - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * The last index the store holds (the driver wrote it, durable or not): committed
     * entries up to it may be applied, as a majority holds them durably.
     */
    long stableIndex() {
        return unstableOffset - 1;
    }

    /** The last index known durable here: a leader counts its own entries up to it (thesis §10.2.1). */
    long durableIndex() {
        return Math.min(durableIndex, stableIndex());
    }

    /**
     * The driver's sync made entries up to (index, term) durable. Ignored if that entry was
     * replaced since (a later sync covers the replacement).
     */
    void durableTo(long index, long term) {
        if (index <= durableIndex || index > stableIndex()) {
            return;
        }
        if (index < firstIndex() - 1 || term(index) == term) {
            durableIndex = index;
        }
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    /**
     * Checks a snapshot the driver took: of an entry handed out to apply, with that entry's term.
     *
     * @throws IllegalArgumentException naming what disagrees
     */
    void requireApplied(dev.raftkv.proto.SnapshotMeta snapshot) {
        long index = snapshot.getIndex();
        if (index > applied) {
            throw new IllegalArgumentException("snapshot at index " + index + " is past the entries handed out to"
                    + " apply (" + applied + ")");
        }
        if (term(index) != snapshot.getTerm()) {
            throw new IllegalArgumentException("snapshot at index " + index + " has term " + snapshot.getTerm()
                    + " but the log's entry there has term " + term(index));
        }
    }

    /** Term at {@code index}, or 0 if the index is past the end; throws {@link CompactedException} below the snapshot. */
    long term(long index) {
        if (index > lastIndex()) {
            return 0;
        }
        if (unstableSnapshot != null && index <= unstableSnapshot.getIndex()) {
            if (index < unstableSnapshot.getIndex()) {
                throw new CompactedException(index, firstIndex());
            }
            return unstableSnapshot.getTerm();
        }
        if (index >= unstableOffset) {
            return unstable.get((int) (index - unstableOffset)).getTerm();
        }
        return store.term(index);
    }

    boolean matchTerm(long index, long term) {
        if (index > lastIndex()) {
            return false;
        }
        if (index < firstIndex() - 1) {
            // Compacted entries are committed, and committed entries match any leader's (§5.4).
            return true;
        }
        return term(index) == term;
    }

    /** Whether a log ending at (lastTerm, lastIndex) is at least as up-to-date as this one (§5.4.1). */
    boolean isUpToDate(long otherLastIndex, long otherLastTerm) {
        long lastTerm = lastTerm();
        return otherLastTerm > lastTerm || (otherLastTerm == lastTerm && otherLastIndex >= lastIndex());
    }

    /** Appends locally proposed entries; their indexes must follow {@link #lastIndex()}. */
    void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).getIndex();
        if (first != lastIndex() + 1) {
            throw new IllegalStateException("append at " + first + " after last index " + lastIndex());
        }
        unstable.addAll(entries);
    }

    /**
     * A follower's append (§5.3): if the entry at {@code prevIndex} has {@code prevTerm},
     * keeps every entry that matches, replaces the suffix from the first conflict, and
     * returns the index of the last new entry; otherwise returns -1 and changes nothing.
     */
    long maybeAppend(long prevIndex, long prevTerm, List<Entry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + entries.size();
        int firstConflict = -1;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.getIndex() < firstIndex()) {
                continue;
            }
            if (!matchTerm(e.getIndex(), e.getTerm())) {
                firstConflict = i;
                break;
            }
        }
        if (firstConflict >= 0) {
            long conflictIndex = entries.get(firstConflict).getIndex();
            if (conflictIndex <= committed) {
                throw new IllegalStateException("entry " + conflictIndex + " conflicts with the committed index "
                        + committed + ": committed entries must never change (§5.4)");
            }
            truncateAndAppend(entries.subList(firstConflict, entries.size()));
        }
        return lastNew;
    }

    private void truncateAndAppend(List<Entry> entries) {
        long first = entries.get(0).getIndex();
        if (first == lastIndex() + 1) {
            unstable.addAll(entries);
        } else if (first <= unstableOffset) {
            // The conflict lies in what the store holds: the unstable part restarts there
            // and the driver's next append overwrites the store's suffix.
            unstableOffset = first;
            durableIndex = Math.min(durableIndex, first - 1);
            unstable.clear();
            unstable.addAll(entries);
        } else {
            unstable.subList((int) (first - unstableOffset), unstable.size()).clear();
            unstable.addAll(entries);
        }
    }

    /**
     * Going down from {@code index}, the first index whose term is at most {@code term}:
     * every entry above it has a higher term than {@code term} and so cannot match a
     * log whose entry at {@code index} has {@code term} (fast backtracking, §5.3).
     */
    long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        long floor = firstIndex() - 1;
        while (i > floor && term(i) > term) {
            i--;
        }
        return i;
    }

    /**
     * Entries in {@code [lo, lastIndex()]}, at most {@code maxEntries} and (beyond the
     * first) {@code maxBytes}.
     */
    List<Entry> entriesFrom(long lo, long maxBytes, int maxEntries) {
        long hi = Math.min(lastIndex() + 1, lo + maxEntries);
        if (lo >= hi) {
            return List.of();
        }
        List<Entry> result = new ArrayList<>();
        long bytes = 0;
        if (lo < unstableOffset) {
            long storeHi = Math.min(hi, unstableOffset);
            for (Entry e : store.entries(lo, storeHi, maxBytes)) {
                result.add(e);
                bytes += e.getSerializedSize();
            }
            if (result.size() < storeHi - lo) {
                return result;
            }
        }
        for (long i = Math.max(lo, unstableOffset); i < hi; i++) {
            Entry e = unstable.get((int) (i - unstableOffset));
            bytes += e.getSerializedSize();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(e);
        }
        return result;
    }

    boolean commitTo(long index) {
        if (index <= committed) {
            return false;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("commit index " + index + " is past the last index " + lastIndex());
        }
        committed = index;
        return true;
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable);
    }

    boolean hasUnstable() {
        return !unstable.isEmpty();
    }

    /** The driver made entries up to (index, term) durable; they stop being unstable unless replaced meanwhile. */
    void stableTo(long index, long term) {
        if (index < unstableOffset || index > lastIndex() || term(index) != term) {
            return;
        }
        unstable.subList(0, (int) (index - unstableOffset + 1)).clear();
        unstableOffset = index + 1;
    }

    /** Whether committed entries that are durable here wait to be handed out. */
    boolean hasEntriesToApply() {
        return applied < Math.min(committed, stableIndex());
    }

    /** Committed, durable entries after those handed out, within {@code maxBytes}; marks them handed out. */
    List<Entry> takeEntriesToApply(long maxBytes) {
        long hi = Math.min(committed, stableIndex());
        if (applied >= hi) {
            return List.of();
        }
        List<Entry> entries = store.entries(applied + 1, hi + 1, maxBytes);
        applied = entries.get(entries.size() - 1).getIndex();
        return entries;
    }
}
