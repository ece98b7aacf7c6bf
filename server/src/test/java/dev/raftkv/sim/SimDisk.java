package dev.raftkv.sim;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.InMemoryLogStore;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A disk that forgets and fails like a real one: reads see every write at once, but a
 * crash keeps only what was synced plus a random prefix of the writes since, and the
 * write at the cut may be torn: an append of several entries keeps only its first
 * ones, as a backend that writes entry by entry leaves it (the {@link LogStore}
 * contract promises whole calls; the core must cope with less). A sync may fail with
 * an I/O error ({@link StorageException}, as the production backends throw): then
 * nothing since the last good sync is durable, and only a crash tells how much of it
 * reached the platter. How long a sync takes is the driver's to model.
 */
final class SimDisk implements LogStore {

    /** One write since the last sync; {@code entries} is set for an append, which a crash may tear. */
    private record Write(Consumer<LogStore> operation, List<Entry> entries) {
    }

    private final InMemoryLogStore durable;
    private InMemoryLogStore current;
    private final List<Write> unsynced = new ArrayList<>();
    /** Asked at each sync whether it fails; never in most runs. */
    private final BooleanSupplier syncFails;

    SimDisk(BooleanSupplier syncFails) {
        this(new InMemoryLogStore(), syncFails);
    }

    private SimDisk(InMemoryLogStore durable, BooleanSupplier syncFails) {
        this.durable = durable;
        this.current = copyOf(durable);
        this.syncFails = syncFails;
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

    /** Whether the entry at {@code index} of exactly {@code term} would survive a crash now (or a snapshot covers it). */
    boolean holdsDurablyExactly(long index, long term) {
        if (index < durable.firstIndex() - 1) {
            return true;
        }
        return index <= durable.lastIndex() && durable.term(index) == term;
    }

    /** The hard state that would survive a crash now. */
    HardState durableHardState() {
        return durable.hardState();
    }

    /** The disk after a crash: the synced state, a random prefix of later writes, and maybe a torn one after it. */
    SimDisk crash(RandomGenerator random) {
        int survivors = unsynced.isEmpty() ? 0 : random.nextInt(unsynced.size() + 1);
        for (int i = 0; i < survivors; i++) {
            unsynced.get(i).operation().accept(durable);
        }
        if (survivors < unsynced.size()) {
            List<Entry> torn = unsynced.get(survivors).entries();
            if (torn != null && torn.size() > 1 && random.nextBoolean()) {
                durable.append(torn.subList(0, 1 + random.nextInt(torn.size() - 1)));
            }
        }
        return new SimDisk(durable, syncFails);
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
        write(operation, null);
    }

    private void write(Consumer<LogStore> operation, List<Entry> entries) {
        operation.accept(current);
        unsynced.add(new Write(operation, entries));
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
        write(store -> store.append(copy), copy);
    }

    @Override
    public void setHardState(HardState hardState) {
        write(store -> store.setHardState(hardState));
    }

    @Override
    public void sync() {
        if (!unsynced.isEmpty() && syncFails.getAsBoolean()) {
            throw new StorageException("simulated disk: fsync failed with an I/O error (EIO); " + unsynced.size()
                    + " writes since the last sync may or may not be on disk");
        }
        for (Write write : unsynced) {
            write.operation().accept(durable);
        }
        unsynced.clear();
    }

    /**
     * The simulated fsync of exactly the writes made before this call: the node's sync
     * "thread" (an event a simulated fsync later) makes them durable, not the later ones.
     */
    @Override
    public PendingSync beginSync() {
        List<Write> covered = List.copyOf(unsynced);
        return () -> {
            if (!covered.isEmpty() && syncFails.getAsBoolean()) {
                throw new StorageException("simulated disk: fsync failed with an I/O error (EIO); " + covered.size()
                        + " writes since the last sync may or may not be on disk");
            }
            for (Write write : covered) {
                if (unsynced.remove(0) != write) {
                    throw new IllegalStateException("simulated disk: a sync overlapped the pending one");
                }
                write.operation().accept(durable);
            }
        };
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
