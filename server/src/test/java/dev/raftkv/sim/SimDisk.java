package dev.raftkv.sim;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.InMemoryLogStore;
import dev.raftkv.storage.LogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A disk that forgets like a real one: reads see every write at once, but a crash
 * keeps only what was synced plus a random prefix of the writes since (the
 * {@link LogStore} contract allows exactly that much).
 */
final class SimDisk implements LogStore {

    private final InMemoryLogStore durable;
    private InMemoryLogStore current;
    private final List<Consumer<LogStore>> unsynced = new ArrayList<>();

    SimDisk() {
        this(new InMemoryLogStore());
    }

    private SimDisk(InMemoryLogStore durable) {
        this.durable = durable;
        this.current = copyOf(durable);
    }

    /**
     * Whether an entry at {@code index} of a term up to {@code maxTerm} would survive a
     * crash now; an index at or below the durable log's start is covered by a snapshot,
     * whose file is durable before the log is reset or compacted to it.
     */
    boolean holdsDurably(long index, long maxTerm) {
        if (index < durable.firstIndex() - 1) {
            return true;
        }
        return index <= durable.lastIndex() && durable.term(index) <= maxTerm;
    }

    /** The hard state that would survive a crash now. */
    HardState durableHardState() {
        return durable.hardState();
    }

    /** The disk after a crash: the synced state and a random prefix of later writes. */
    SimDisk crash(RandomGenerator random) {
        int survivors = unsynced.isEmpty() ? 0 : random.nextInt(unsynced.size() + 1);
        for (int i = 0; i < survivors; i++) {
            unsynced.get(i).accept(durable);
        }
        return new SimDisk(durable);
    }

    private static InMemoryLogStore copyOf(InMemoryLogStore source) {
        InMemoryLogStore copy = new InMemoryLogStore();
        copy.reset(source.firstIndex() - 1, source.term(source.firstIndex() - 1));
        if (source.lastIndex() >= source.firstIndex()) {
            copy.append(source.entries(source.firstIndex(), source.lastIndex() + 1, Long.MAX_VALUE));
        }
        copy.setHardState(source.hardState());
        return copy;
    }

    private void write(Consumer<LogStore> operation) {
        operation.accept(current);
        unsynced.add(operation);
    }

    @Override
    public long firstIndex() {
        return current.firstIndex();
    }

    @Override
    public long lastIndex() {
        return current.lastIndex();
    }

    @Override
    public long term(long index) {
        return current.term(index);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        return current.entries(lo, hi, maxBytes);
    }

    @Override
    public HardState hardState() {
        return current.hardState();
    }

    @Override
    public void append(List<Entry> entries) {
        List<Entry> copy = List.copyOf(entries);
        write(store -> store.append(copy));
    }

    @Override
    public void setHardState(HardState hardState) {
        write(store -> store.setHardState(hardState));
    }

    @Override
    public void sync() {
        for (Consumer<LogStore> operation : unsynced) {
            operation.accept(durable);
        }
        unsynced.clear();
    }

    @Override
    public void compact(long index) {
        write(store -> store.compact(index));
    }

    @Override
    public void reset(long snapshotIndex, long snapshotTerm) {
        write(store -> store.reset(snapshotIndex, snapshotTerm));
    }

    @Override
    public void close() {
    }
}
