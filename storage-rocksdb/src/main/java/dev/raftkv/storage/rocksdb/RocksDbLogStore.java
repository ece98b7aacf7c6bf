package dev.raftkv.storage.rocksdb;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.CompactedException;
import dev.raftkv.storage.CorruptLogException;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A {@link LogStore} on RocksDB: one key per entry, plus the hard state and the
 * snapshot index and term under their own keys (see {@link RocksDbRecords}).
 *
 * <h2>Durability</h2>
 * {@link #append}, {@link #setHardState}, {@link #compact} and {@link #reset} only add
 * operations to one pending {@link WriteBatch} (and keep appended entries in memory
 * for reads); {@link #sync()} writes that batch with {@code sync=true}: one WAL write
 * and one {@code fdatasync} for everything since the last sync (group commit). A
 * RocksDB write batch is atomic, so after a crash the store holds the state of some
 * sync or, if the crash hit a sync, of the one before it: a prefix of the calls.
 * {@link #beginSync()} writes the batch without {@code sync} (the WAL file and memtable
 * have it at once) and leaves the {@code fdatasync} of the WAL ({@code SyncWAL}) to its caller.
 *
 * <h2>Recovery</h2>
 * RocksDB runs with {@link WALRecoveryMode#TolerateCorruptedTailRecords}: a record cut
 * short at the end of the WAL (a crash mid-write) is dropped, and {@link WalTailInspector}
 * reports it in the log first; a record that fails its checksum anywhere else makes
 * the open fail, which this store turns into a {@link CorruptLogException} naming the
 * WAL files and the last intact index ({@link RocksDbDiagnosis} words every such error).
 * Open then reads every entry once, checking its CRC32C and that the indexes are
 * contiguous from the snapshot index on.
 *
 * <h2>Space</h2>
 * After a sync that contains a compaction, a background thread flushes the memtable
 * (so the WAL holding the dropped entries can go), deletes SST files wholly inside the
 * dropped range and compacts the rest of it. A failure there is raised by the next
 * call of the owning thread: storage errors are never only logged.
 *
 * <h2>Threading</h2>
 * One thread at a time calls the store, as {@link LogStore} says; the reclaiming thread
 * and {@code SyncWAL} on a sync thread only touch RocksDB, which is thread-safe.
 */
public final class RocksDbLogStore implements LogStore {

    private static final System.Logger LOG = System.getLogger(RocksDbLogStore.class.getName());

    static {
        RocksDB.loadLibrary();
    }

    private final Path directory;
    private final Options options;
    private final JulRocksDbLogger rocksLogger;
    private final RocksDB db;
    private final WriteOptions syncWrite = new WriteOptions().setSync(true);
    private final WriteOptions unsyncedWrite = new WriteOptions().setSync(false);
    private final ReadOptions checkedRead = new ReadOptions().setVerifyChecksums(true);
    private final ExecutorService reclaimer;
    private final RocksDbDiagnosis diagnosis;

    private final WriteBatch pending = new WriteBatch();
    private boolean dirty;
    private boolean compactedSinceSync;
    /** Entries appended since the last sync, from index {@code pendingFrom} on. */
    private final ArrayList<Entry> pendingEntries = new ArrayList<>();
    private long pendingFrom;

    private long snapshotIndex, snapshotTerm, lastIndex;
    /** Term of {@code lastIndex}, asked for at every append (the log-matching check). */
    private long lastTerm;
    private HardState hardState = HardState.getDefaultInstance();
    private volatile CompletableFuture<Void> reclaimed = CompletableFuture.completedFuture(null);
    private volatile Throwable reclaimFailure;
    /** A WAL sync that failed on another thread ({@link #beginSync()}): the store is unusable. */
    private volatile StorageException syncFailure;

    private RocksDbLogStore(Path directory, Options options, JulRocksDbLogger rocksLogger, RocksDB db) {
        this.directory = directory;
        this.options = options;
        this.rocksLogger = rocksLogger;
        this.db = db;
        this.diagnosis = new RocksDbDiagnosis(directory, db);
        this.reclaimer = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "raftkv-rocksdb-reclaim");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Opens (creating if needed) the log in {@code directory}, holding exactly the state
     * of its last completed sync.
     *
     * @throws CorruptLogException if a record before the end of the log is damaged
     * @throws StorageException if RocksDB cannot open the directory
     */
    public static RocksDbLogStore open(Path directory) {
        try {
            Files.createDirectories(directory);
            RocksDbDiagnosis.reportTornTail(directory);
        } catch (IOException e) {
            throw new StorageException("cannot prepare the RocksDB log in " + directory, e);
        }
        JulRocksDbLogger rocksLogger = new JulRocksDbLogger();
        Options options = options(rocksLogger, WALRecoveryMode.TolerateCorruptedTailRecords);
        RocksDB db;
        try {
            db = RocksDB.open(options, directory.toString());
        } catch (RocksDBException e) {
            options.close();
            rocksLogger.close();
            throw RocksDbDiagnosis.openFailure(directory, e);
        }
        RocksDbLogStore store = new RocksDbLogStore(directory, options, rocksLogger, db);
        try {
            store.recover();
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    static Options options(JulRocksDbLogger rocksLogger, WALRecoveryMode recoveryMode) {
        Options options = new Options()
                .setCreateIfMissing(true)
                .setWalRecoveryMode(recoveryMode)
                .setParanoidChecks(true)
                .setKeepLogFileNum(2);
        options.setLogger(rocksLogger);
        return options;
    }

    private void recover() {
        String where = "RocksDB log in " + directory;
        try {
            byte[] snapshot = db.get(checkedRead, RocksDbRecords.SNAPSHOT_KEY);
            if (snapshot != null) {
                long[] indexAndTerm = RocksDbRecords.snapshotOf(snapshot, () -> where);
                snapshotIndex = indexAndTerm[0];
                snapshotTerm = indexAndTerm[1];
            }
            byte[] hard = db.get(checkedRead, RocksDbRecords.HARD_STATE_KEY);
            if (hard != null) {
                hardState = RocksDbRecords.hardStateOf(hard, () -> where);
            }
        } catch (RocksDBException e) {
            throw diagnosis.readFailure(snapshotIndex + 1, e);
        }
        long expected = snapshotIndex + 1;
        try (RocksIterator iterator = db.newIterator(checkedRead)) {
            for (iterator.seek(RocksDbRecords.entryKey(0)); iterator.isValid(); iterator.next()) {
                byte[] key = iterator.key();
                long index = RocksDbRecords.indexOf(key);
                if (index < 0) {
                    break;
                }
                if (index != expected) {
                    throw new CorruptLogException(diagnosis.where(index) + ": found entry " + index + " where entry "
                            + expected + " should be (the log holds entries from " + (snapshotIndex + 1) + ")");
                }
                lastTerm = RocksDbRecords.entryOf(key, iterator.value(), () -> diagnosis.where(index)).getTerm();
                expected++;
            }
            iterator.status();
        } catch (RocksDBException e) {
            throw diagnosis.readFailure(expected, e);
        }
        lastIndex = expected - 1;
        if (lastIndex == snapshotIndex) {
            lastTerm = snapshotTerm;
        }
        pendingFrom = lastIndex + 1;
        LOG.log(Level.DEBUG, "{0}: opened with entries [{1}, {2}] and {3}", where, snapshotIndex + 1, lastIndex, hardState);
    }

    @Override
    public long firstIndex() {
        return snapshotIndex + 1;
    }

    @Override
    public long lastIndex() {
        return lastIndex;
    }

    @Override
    public long term(long index) {
        if (index < snapshotIndex) {
            throw new CompactedException(index, firstIndex());
        }
        if (index > lastIndex) {
            throw new IndexOutOfBoundsException("log index " + index + " is past the last index " + lastIndex);
        }
        if (index == snapshotIndex) {
            return snapshotTerm;
        }
        if (index == lastIndex) {
            return lastTerm;
        }
        if (index >= pendingFrom) {
            return pendingEntries.get((int) (index - pendingFrom)).getTerm();
        }
        byte[] key = RocksDbRecords.entryKey(index);
        try {
            byte[] value = db.get(checkedRead, key);
            if (value == null) {
                throw new CorruptLogException(diagnosis.where(index) + ": entry " + index + " is missing");
            }
            return RocksDbRecords.termOf(key, value, () -> diagnosis.where(index));
        } catch (RocksDBException e) {
            throw diagnosis.readFailure(index, e);
        }
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) {
            throw new CompactedException(lo, firstIndex());
        }
        if (hi > lastIndex + 1 || lo > hi) {
            throw new IndexOutOfBoundsException(
                    "entries [" + lo + ", " + hi + ") are not within [" + firstIndex() + ", " + (lastIndex + 1) + ")");
        }
        List<Entry> result = new ArrayList<>();
        long bytes = 0;
        long index = lo;
        if (index < Math.min(hi, pendingFrom)) {
            try (RocksIterator iterator = db.newIterator(checkedRead)) {
                for (iterator.seek(RocksDbRecords.entryKey(index)); index < Math.min(hi, pendingFrom); iterator.next()) {
                    if (!iterator.isValid() || RocksDbRecords.indexOf(iterator.key()) != index) {
                        iterator.status();
                        throw new CorruptLogException(diagnosis.where(index) + ": entry " + index + " is missing");
                    }
                    byte[] value = iterator.value();
                    bytes += RocksDbRecords.entryBytes(value);
                    if (!result.isEmpty() && bytes > maxBytes) {
                        return result;
                    }
                    long at = index;
                    result.add(RocksDbRecords.entryOf(iterator.key(), value, () -> diagnosis.where(at)));
                    index++;
                }
            } catch (RocksDBException e) {
                throw diagnosis.readFailure(index, e);
            }
        }
        for (; index < hi; index++) {
            Entry entry = pendingEntries.get((int) (index - pendingFrom));
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
    public void append(List<Entry> entries) {
        checkHealthy();
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).getIndex();
        LogStore.checkAppendable(first, entries, firstIndex(), lastIndex);
        long last = first + entries.size() - 1;
        try {
            for (Entry entry : entries) {
                pending.put(RocksDbRecords.entryKey(entry.getIndex()), RocksDbRecords.entryValue(entry));
            }
            if (last < lastIndex) {
                pending.deleteRange(RocksDbRecords.entryKey(last + 1), RocksDbRecords.entryKey(lastIndex + 1));
            }
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": cannot stage entries from index " + first, e);
        }
        if (first < pendingFrom) {
            pendingEntries.clear();
            pendingFrom = first;
        } else {
            pendingEntries.subList((int) (first - pendingFrom), pendingEntries.size()).clear();
        }
        pendingEntries.addAll(entries);
        lastIndex = last;
        lastTerm = entries.get(entries.size() - 1).getTerm();
        dirty = true;
    }

    @Override
    public void setHardState(HardState hardState) {
        checkHealthy();
        try {
            pending.put(RocksDbRecords.HARD_STATE_KEY, RocksDbRecords.hardStateValue(hardState));
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": cannot stage the hard state", e);
        }
        this.hardState = hardState;
        dirty = true;
    }

    @Override
    public void sync() {
        checkHealthy();
        if (!dirty) {
            return;
        }
        try {
            db.write(syncWrite, pending);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": the synced write of entries up to index "
                    + lastIndex + " failed; the node must stop", e);
        }
        clearPending();
        if (compactedSinceSync) {
            compactedSinceSync = false;
            reclaimSpace(snapshotIndex);
        }
    }

    /**
     * Writes the pending batch without {@code fdatasync} and returns {@code SyncWAL}, which covers
     * every earlier write; the space a compaction in the batch freed is reclaimed after it.
     */
    @Override
    public PendingSync beginSync() {
        checkHealthy();
        if (!dirty) {
            return PendingSync.DONE;
        }
        try {
            db.write(unsyncedWrite, pending);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": the write of entries up to index "
                    + lastIndex + " failed; the node must stop", e);
        }
        long upTo = lastIndex;
        long reclaimTo = compactedSinceSync ? snapshotIndex : -1;
        compactedSinceSync = false;
        clearPending();
        return () -> {
            try {
                db.syncWal();
            } catch (RocksDBException | RuntimeException e) {
                throw syncFailure = new StorageException("RocksDB log in " + directory + ": syncing the WAL with"
                        + " entries up to index " + upTo + " failed; the node must stop", e);
            }
            if (reclaimTo >= 0) {
                reclaimSpace(reclaimTo);
            }
        };
    }

    @Override
    public void compact(long index) {
        checkHealthy();
        if (index <= snapshotIndex) {
            return;
        }
        if (index > lastIndex) {
            throw new IllegalArgumentException("cannot compact to index " + index + " past the last index " + lastIndex);
        }
        long term = term(index);
        try {
            pending.deleteRange(RocksDbRecords.entryKey(0), RocksDbRecords.entryKey(index + 1));
            pending.put(RocksDbRecords.SNAPSHOT_KEY, RocksDbRecords.snapshotValue(index, term));
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": cannot stage compaction to index " + index, e);
        }
        if (index >= pendingFrom) {
            pendingEntries.subList(0, (int) (index + 1 - pendingFrom)).clear();
            pendingFrom = index + 1;
        }
        snapshotIndex = index;
        snapshotTerm = term;
        dirty = true;
        compactedSinceSync = true;
    }

    @Override
    public void reset(long snapshotIndex, long snapshotTerm) {
        checkHealthy();
        try {
            pending.deleteRange(RocksDbRecords.entryKey(0), RocksDbRecords.entryKey(Long.MAX_VALUE));
            pending.put(RocksDbRecords.SNAPSHOT_KEY, RocksDbRecords.snapshotValue(snapshotIndex, snapshotTerm));
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": cannot stage reset to index " + snapshotIndex, e);
        }
        pendingEntries.clear();
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        lastIndex = snapshotIndex;
        lastTerm = snapshotTerm;
        pendingFrom = snapshotIndex + 1;
        dirty = true;
        compactedSinceSync = true;
    }

    /**
     * Gives back the space of entries up to {@code index} in the background. The
     * returned stage completes when it has (exceptionally if it failed).
     */
    private void reclaimSpace(long index) {
        byte[] from = RocksDbRecords.entryKey(0);
        byte[] to = RocksDbRecords.entryKey(index + 1);
        reclaimed = CompletableFuture.runAsync(() -> {
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                db.flush(flush);
                db.deleteFilesInRanges(db.getDefaultColumnFamily(), List.of(from, to), false);
                db.compactRange(from, to);
            } catch (RocksDBException | RuntimeException e) {
                reclaimFailure = e;
                LOG.log(Level.ERROR, "RocksDB log in " + directory + ": reclaiming the space of entries up to index "
                        + index + " failed; the next call to the store throws", e);
                throw new StorageException("reclaiming space up to index " + index + " failed", e);
            }
        }, reclaimer);
    }

    /** Writes the memtable to an SST file, so that the WAL is no longer needed. For tests. */
    void flush() {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB log in " + directory + ": flush failed", e);
        }
    }

    /** Completes when space freed by the last compaction has been given back. For tests and shutdown. */
    CompletableFuture<Void> spaceReclaimed() {
        return reclaimed;
    }

    /** The pending batch was written: its entries are read from the database from now on. */
    private void clearPending() {
        pending.clear();
        pendingEntries.clear();
        pendingEntries.trimToSize();
        pendingFrom = lastIndex + 1;
        dirty = false;
    }

    private void checkHealthy() {
        if (syncFailure != null) {
            throw new StorageException("RocksDB log in " + directory + ": a WAL sync failed earlier", syncFailure);
        }
        Throwable failure = reclaimFailure;
        if (failure != null) {
            throw new StorageException("RocksDB log in " + directory + ": a background reclaim failed earlier", failure);
        }
    }

    @Override
    public void close() {
        reclaimer.shutdown();
        try {
            if (!reclaimer.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.log(Level.WARNING, "RocksDB log in {0}: closing while space is still being reclaimed", directory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pending.close();
        checkedRead.close();
        syncWrite.close();
        unsyncedWrite.close();
        db.close();
        options.close();
        rocksLogger.close();
    }

    @Override
    public String toString() {
        return "RocksDbLogStore[" + directory + ", entries " + firstIndex() + ".." + lastIndex + "]";
    }
}
