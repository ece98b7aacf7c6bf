package dev.raftkv.server;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.InMemoryLogStore;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test backend {@code stalling-memory}: the memory backend, whose syncs a test can hold
 * for as long as it likes ({@link #stall}), as a disk that stops answering does. A held
 * sync blocks whichever thread runs it: the node's sync thread, or its event loop when the
 * loop syncs itself.
 */
public final class StallingLogStoreProvider implements LogStoreProvider {

    private static final Map<Path, Gate> GATES = new ConcurrentHashMap<>();

    /** Holds every sync of the store in {@code directory} from now until {@link Gate#release()}. */
    static Gate stall(Path directory) {
        Gate gate = GATES.get(directory.toAbsolutePath().normalize());
        if (gate == null) {
            throw new IllegalStateException("no stalling-memory store was opened in " + directory);
        }
        gate.close();
        return gate;
    }

    /** Syncs pass while it is open; a closed one holds them until released. */
    static final class Gate {
        private volatile CountDownLatch closed = new CountDownLatch(0);
        private final AtomicInteger waiting = new AtomicInteger();

        void close() {
            closed = new CountDownLatch(1);
        }

        void release() {
            closed.countDown();
        }

        /** How many syncs have waited at this gate since it was closed. */
        int waiting() {
            return waiting.get();
        }

        void pass() {
            CountDownLatch latch = closed;
            if (latch.getCount() > 0) {
                waiting.incrementAndGet();
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String name() {
        return "stalling-memory";
    }

    @Override
    public LogStore open(Path directory) {
        Gate gate = new Gate();
        GATES.put(directory.toAbsolutePath().normalize(), gate);
        return new Stalling(new InMemoryLogStore(), gate);
    }

    @Override
    public boolean recognises(Path directory) {
        return false;
    }

    @Override
    public boolean durable() {
        return false;
    }

    private record Stalling(InMemoryLogStore store, Gate gate) implements LogStore {
        @Override
        public long firstIndex() {
            return store.firstIndex();
        }

        @Override
        public long lastIndex() {
            return store.lastIndex();
        }

        @Override
        public long term(long index) {
            return store.term(index);
        }

        @Override
        public List<Entry> entries(long lo, long hi, long maxBytes) {
            return store.entries(lo, hi, maxBytes);
        }

        @Override
        public HardState hardState() {
            return store.hardState();
        }

        @Override
        public void append(List<Entry> entries) {
            store.append(entries);
        }

        @Override
        public void setHardState(HardState hardState) {
            store.setHardState(hardState);
        }

        @Override
        public void sync() {
            gate.pass();
            store.sync();
        }

        @Override
        public PendingSync beginSync() {
            store.sync(); // the memory store's sync only marks what a reopen would keep; the wait is the gate's
            return gate::pass;
        }

        @Override
        public void compact(long index) {
            store.compact(index);
        }

        @Override
        public void reset(long snapshotIndex, long snapshotTerm) {
            store.reset(snapshotIndex, snapshotTerm);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
