package dev.raftkv.storage;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStore} held in the heap. Everything is "durable" for as long as the
 * process lives, so {@link #sync()} has nothing to do; a restart loses it all. Used
 * for the {@code memory} backend, for tests, and as the building block of the
 * simulator's crash-faithful disk.
 */
public final class InMemoryLogStore implements LogStore {

    /** Entry at list position {@code i} has index {@code snapshotIndex + 1 + i}. */
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long snapshotIndex;
    private long snapshotTerm;
    private HardState hardState = HardState.getDefaultInstance();

    @Override
    public long firstIndex() {
        return snapshotIndex + 1;
    }

    @Override
    public long lastIndex() {
        return snapshotIndex + entries.size();
    }

    @Override
    public long term(long index) {
        if (index < snapshotIndex) {
            throw new CompactedException(index, firstIndex());
        }
        if (index > lastIndex()) {
            throw new IndexOutOfBoundsException("log index " + index + " is past the last index " + lastIndex());
        }
        return index == snapshotIndex ? snapshotTerm : entries.get(position(index)).getTerm();
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) {
            throw new CompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1 || lo > hi) {
            throw new IndexOutOfBoundsException(
                    "entries [" + lo + ", " + hi + ") are not within [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        List<Entry> result = new ArrayList<>();
        long bytes = 0;
        for (long index = lo; index < hi; index++) {
            Entry entry = entries.get(position(index));
            bytes += entry.getSerializedSize();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(entry);
        }
        return result;
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public void append(List<Entry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).getIndex();
        LogStore.checkAppendable(first, newEntries, firstIndex(), lastIndex());
        entries.subList(position(first), entries.size()).clear();
        entries.addAll(newEntries);
    }

    @Override
    public void setHardState(HardState hardState) {
        this.hardState = hardState;
    }

    @Override
    public void sync() {
        // Nothing to do: the heap is this store's stable storage.
    }

    @Override
    public void compact(long index) {
        if (index <= snapshotIndex) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("cannot compact to index " + index + " past the last index " + lastIndex());
        }
        long term = term(index);
        entries.subList(0, position(index) + 1).clear();
        entries.trimToSize();
        snapshotIndex = index;
        snapshotTerm = term;
    }

    @Override
    public void reset(long snapshotIndex, long snapshotTerm) {
        entries.clear();
        entries.trimToSize();
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
    }

    @Override
    public void close() {
        // Nothing to release.
    }

    private int position(long index) {
        return Math.toIntExact(index - snapshotIndex - 1);
    }
}
