package dev.raftkv.storage;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import java.util.List;

/**
 * The durable Raft log of one node, writable: the driver's side of the {@link LogReader}
 * the Raft core reads (index space, reads and their errors are stated there).
 *
 * <h2>Durability</h2>
 * {@link #append}, {@link #setHardState}, {@link #compact} and {@link #reset} change
 * what reads return at once, but nothing is durable until {@link #sync()} returns:
 * <em>when {@code sync()} returns, every change made before it survives a process
 * crash and a power loss</em>, and a later open returns exactly that state (or a
 * later one). Changes made after the last sync may survive in part after a crash,
 * but only as a prefix of the calls in the order they were made, never a mix. The
 * Raft core relies on exactly this: it grants no vote and acknowledges no entry
 * before the sync that covers it has returned (Raft paper, Figure 2, "Persistent
 * state ... updated on stable storage before responding to RPCs").
 *
 * <h2>Threading</h2>
 * One thread at a time calls a store (the node's event loop); implementations need
 * not be thread-safe. The one exception is {@link PendingSync#await()}, which another
 * thread may run while the store's thread goes on (see {@link #beginSync()}).
 *
 * <h2>Errors</h2>
 * An I/O failure throws {@link StorageException}; the node must stop, as its
 * durability promises no longer hold. Implementations never log an error and carry
 * on.
 */
public interface LogStore extends LogReader, AutoCloseable {

    /**
     * Writes {@code entries}, which must have contiguous increasing indexes, the first
     * of them in {@code [firstIndex(), lastIndex() + 1]}. Held entries at and after
     * that first index are discarded first (a conflicting suffix is overwritten, §5.3).
     * Not durable until {@link #sync()}.
     *
     * @throws IllegalArgumentException if the indexes leave a gap, go backwards or
     *     start below {@code firstIndex()}; nothing is written then
     */
    void append(List<Entry> entries);

    /** Replaces the hard state (term and vote together, atomically). Not durable until {@link #sync()}. */
    void setHardState(HardState hardState);

    /** Makes every earlier change durable: when it returns, they survive a crash or power loss. */
    void sync();

    /**
     * A sync in two halves, so that a driver's event loop need not wait for the disk
     * (group commit on a sync thread). This call, on the store's thread, hands every
     * earlier change to the operating system: reads already see them, and after a crash
     * a prefix of the calls survives as with {@link #sync()}. {@link PendingSync#await()}
     * then makes them durable.
     *
     * <p>At most one sync is pending at a time. While it is, the store's thread may go on
     * calling the reads, {@link #append} and {@link #setHardState}, but must not call
     * {@code beginSync}, {@link #sync()}, {@link #compact}, {@link #reset} or {@link #close}
     * until {@code await()} has returned. A store may do the whole sync here and return
     * {@link PendingSync#DONE} (this default does).
     */
    default PendingSync beginSync() {
        sync();
        return PendingSync.DONE;
    }

    /** The second half of {@link #beginSync()}. */
    @FunctionalInterface
    interface PendingSync {
        /** A sync that was already complete when {@link #beginSync()} returned. */
        PendingSync DONE = () -> { };

        /**
         * Blocks until the changes made before {@link #beginSync()} are durable. Called once,
         * from any one thread.
         *
         * @throws StorageException if the sync failed: the node must stop, and every later
         *     call to the store throws too
         */
        void await();
    }

    /**
     * Discards the entries up to and including {@code index}, which a snapshot now
     * covers, and reclaims their space (eventually, but without waiting for another
     * compaction). Afterwards {@code firstIndex() == index + 1} and {@code term(index)}
     * still answers.
     *
     * @throws IllegalArgumentException if {@code index > lastIndex()}
     */
    void compact(long index);

    /**
     * Discards every entry and makes the log start after a snapshot at
     * {@code snapshotIndex} with {@code snapshotTerm}, as a follower does when it
     * installs a snapshot from its leader (§7). Afterwards the log is empty with
     * {@code firstIndex() == snapshotIndex + 1}.
     */
    void reset(long snapshotIndex, long snapshotTerm);

    /**
     * Checks the {@link #append} precondition: contiguous indexes, the first
     * within {@code [firstIndex, lastIndex + 1]}.
     *
     * @throws IllegalArgumentException naming the offending index
     */
    static void checkAppendable(long first, List<Entry> newEntries, long firstIndex, long lastIndex) {
        if (first < firstIndex || first > lastIndex + 1) {
            throw new IllegalArgumentException("cannot append at index " + first + ": the log holds ["
                    + firstIndex + ", " + lastIndex + "], so the next index must be in ["
                    + firstIndex + ", " + (lastIndex + 1) + "]");
        }
        for (int i = 1; i < newEntries.size(); i++) {
            if (newEntries.get(i).getIndex() != first + i) {
                throw new IllegalArgumentException("entries to append are not contiguous: index "
                        + newEntries.get(i).getIndex() + " follows " + newEntries.get(i - 1).getIndex());
            }
        }
    }

    /** Releases files and native resources. Does not sync. */
    @Override
    void close();
}
