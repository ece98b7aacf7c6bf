package dev.raftkv.storage;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.HardState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The process the crash test kills: opens a store by backend name, then appends and
 * syncs batches in a loop (half of the syncs in two halves, {@link LogStore#beginSync()} here
 * and its await on another thread) and prints {@code synced <lastIndex> <termOfLast> <hardStateTerm>
 * <firstIndex> <unwrittenPages>} after each sync, until it is killed or reaches its bounds
 * (a batch count and a number of seconds), when it prints {@code done}.
 *
 * <p>Each run starts a new term, as a restarted node does. Batches have random sizes
 * and entry sizes, some entries are 1 MiB, some appends overwrite a not yet synced
 * suffix with a newer term, and some syncs are followed by a compaction or by a reset to a
 * snapshot past the last index. Entry data is
 * a function of index and term ({@link #data}), so the parent can check every byte.
 *
 * <p>Arguments: backend directory seed maxBatches maxSeconds [probeClassName].
 */
public final class CrashChild {

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        String backend = args[0];
        Path directory = Path.of(args[1]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        long maxBatches = Long.parseLong(args[3]);
        long deadlineNanos = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
        SyncProbe probe = args.length > 5
                ? (SyncProbe) Class.forName(args[5]).getDeclaredConstructor().newInstance() : null;

        try (LogStore store = LogStoreProvider.named(backend).open(directory)) {
            long term = Math.max(store.hardState().getTerm(), store.term(store.lastIndex())) + 1;
            store.setHardState(hardState(term, store.lastIndex()));
            store.sync();
            report(store, probe, directory);
            for (long batch = 0; batch < maxBatches && System.nanoTime() < deadlineNanos; batch++) {
                long next = store.lastIndex() + 1;
                store.append(batch(next, 1 + random.nextInt(32), term, random));
                if (random.nextInt(10) == 0 && store.lastIndex() > next) {
                    // A newer leader overwrites entries this node has not synced yet.
                    term++;
                    store.setHardState(hardState(term, next - 1));
                    long from = next + random.nextInt((int) (store.lastIndex() - next + 1));
                    store.append(batch(from, 1 + random.nextInt(8), term, random));
                }
                if (random.nextBoolean()) {
                    store.sync();
                } else {
                    awaitOnAnotherThread(store.beginSync());
                }
                if (random.nextInt(20) == 0 && store.lastIndex() - 50 > store.firstIndex()) {
                    store.compact(store.lastIndex() - 50);
                    store.sync();
                } else if (random.nextInt(100) == 0) {
                    // A snapshot from the leader replaces the whole log (§7).
                    store.reset(store.lastIndex() + 1 + random.nextInt(100), term);
                    store.sync();
                }
                report(store, probe, directory);
            }
        }
        System.out.println("done");
        System.out.flush();
    }

    /** The second half of a sync on a thread of its own, as the node's sync thread runs it. */
    private static void awaitOnAnotherThread(LogStore.PendingSync pending) throws InterruptedException {
        Thread syncer = new Thread(pending::await, "crash-child-sync");
        syncer.start();
        syncer.join();
    }

    private static void report(LogStore store, SyncProbe probe, Path directory) {
        long unwritten = probe == null ? -1 : probe.unwrittenPages(directory);
        System.out.println("synced " + store.lastIndex() + " " + store.term(store.lastIndex()) + " "
                + store.hardState().getTerm() + " " + store.firstIndex() + " " + unwritten);
        System.out.flush();
    }

    static HardState hardState(long term, long commit) {
        return HardState.newBuilder().setTerm(term).setVotedFor("n" + term).setCommit(commit).build();
    }

    private static List<Entry> batch(long from, int count, long term, SplittableRandom random) {
        List<Entry> entries = new ArrayList<>(count);
        for (long index = from; index < from + count; index++) {
            int bytes = random.nextInt(50) == 0 ? 1 << 20 : random.nextInt(4096);
            entries.add(Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_COMMAND)
                    .setData(data(index, term, bytes)).build());
        }
        return entries;
    }

    /** Entry data that names its index and term and whose every byte follows from them. */
    static ByteString data(long index, long term, int bytes) {
        byte[] data = new byte[Math.max(bytes, 16)];
        java.nio.ByteBuffer.wrap(data).putLong(index).putLong(term);
        long state = index * 0x9E3779B97F4A7C15L ^ term;
        for (int i = 16; i < data.length; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            data[i] = (byte) (state >>> 56);
        }
        return ByteString.copyFrom(data);
    }
}
