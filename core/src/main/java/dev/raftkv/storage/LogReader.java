package dev.raftkv.storage;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import java.util.List;

/**
 * A read-only view of one node's durable Raft log: its entries and its {@link HardState}
 * (current term, vote, commit index). This is all the Raft core sees of storage (as etcd's
 * raft {@code Storage} is): the core reads through it and never writes; the driver writes
 * through the {@link LogStore} behind it and hands the core what to persist in each
 * {@code Ready}.
 *
 * <h2>Index space</h2>
 * Entries have contiguous indexes {@code firstIndex() .. lastIndex()}. Before them
 * stands a <em>snapshot index</em> {@code firstIndex() - 1} (0 for a log that was
 * never compacted) whose term is still known through {@link #term(long)}, as the
 * Raft log-matching check of the next entry needs it (paper §7). An empty log has
 * {@code lastIndex() == firstIndex() - 1}.
 *
 * <h2>What reads return</h2>
 * Every write the driver made through the {@link LogStore}, synced or not: reads never
 * lag behind writes. Which of those writes are durable is the {@link LogStore}'s contract.
 *
 * <h2>Threading</h2>
 * Called by one thread at a time, the node's event loop, the same thread that writes
 * through the {@link LogStore}; implementations need not be thread-safe. Reads do not
 * block on other threads (they may read from disk).
 *
 * <h2>Errors</h2>
 * An I/O failure throws {@link StorageException}; the node must stop. Reads below the
 * snapshot index throw {@link CompactedException}; reads above {@code lastIndex()} throw
 * {@link IndexOutOfBoundsException}.
 */
public interface LogReader {

    /** Index of the first entry held, {@code snapshotIndex + 1}; 1 for a new log. */
    long firstIndex();

    /** Index of the last entry held; {@code firstIndex() - 1} when no entry is held. */
    long lastIndex();

    /**
     * Term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()};
     * at {@code firstIndex() - 1} this is the snapshot's term (0 for a new log).
     *
     * @throws CompactedException if {@code index < firstIndex() - 1}
     * @throws IndexOutOfBoundsException if {@code index > lastIndex()}
     */
    long term(long index);

    /**
     * Entries with indexes in {@code [lo, hi)}, in order, stopping before the entry
     * that would take the sum of their serialized sizes past {@code maxBytes}; the
     * first entry is always returned, whatever its size, so a reader makes progress.
     *
     * @throws CompactedException if {@code lo < firstIndex()}
     * @throws IndexOutOfBoundsException if {@code hi > lastIndex() + 1} or {@code lo > hi}
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /** The last hard state set, {@link HardState#getDefaultInstance()} for a new log. */
    HardState hardState();
}
