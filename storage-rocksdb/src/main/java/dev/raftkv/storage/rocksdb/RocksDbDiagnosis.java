package dev.raftkv.storage.rocksdb;

import dev.raftkv.storage.CorruptLogException;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;

/**
 * What {@link RocksDbLogStore} says when its files are damaged or RocksDB fails: a torn
 * WAL tail found before opening, a failed open (a corruption names the WAL files and the
 * last intact index, found by a read-only replay up to the damage), and a failed read
 * (a corruption names the SST file, or the WAL, that holds the index). Only builds
 * messages and exceptions; it changes nothing on disk.
 */
final class RocksDbDiagnosis {

    private static final System.Logger LOG = System.getLogger(RocksDbLogStore.class.getName());
    private static final byte[] ENTRIES_END = {RocksDbRecords.ENTRY_PREFIX + 1};

    private final Path directory;
    private final RocksDB db;

    RocksDbDiagnosis(Path directory, RocksDB db) {
        this.directory = directory;
        this.db = db;
    }

    /** Logs each WAL file whose tail a crash cut short; RocksDB drops that tail when it opens. */
    static void reportTornTail(Path directory) throws IOException {
        for (Path wal : walFiles(directory)) {
            OptionalLong torn = WalTailInspector.tornTailOffset(wal);
            if (torn.isPresent()) {
                LOG.log(Level.WARNING, "{0}: torn tail of {1} bytes at offset {2} (a write cut short by a crash);"
                        + " RocksDB drops it, so the log ends with the last complete sync before it",
                        wal, String.valueOf(Files.size(wal) - torn.getAsLong()), String.valueOf(torn.getAsLong()));
            }
        }
    }

    static List<Path> walFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** Turns a failed open into the store's errors; a corruption names the files and the last intact index. */
    static StorageException openFailure(Path directory, RocksDBException e) {
        Status status = e.getStatus();
        if (status == null || status.getCode() != Status.Code.Corruption) {
            return new StorageException("cannot open the RocksDB log in " + directory + ": " + e.getMessage(), e);
        }
        String walFiles;
        try {
            walFiles = walFiles(directory).toString();
        } catch (IOException listFailure) {
            walFiles = "(cannot list: " + listFailure + ")";
        }
        return new CorruptLogException("RocksDB log in " + directory + " has a damaged record before its end, in "
                + walFiles + "; the intact log ends at index " + lastIntactIndex(directory)
                + ", so later acknowledged entries would be lost: " + e.getMessage(), e);
    }

    /** Replays the WAL only up to the damage, read-only, to tell which index the damage follows. */
    private static String lastIntactIndex(Path directory) {
        try (JulRocksDbLogger quiet = new JulRocksDbLogger();
                Options options = RocksDbLogStore.options(quiet, WALRecoveryMode.PointInTimeRecovery).setCreateIfMissing(false);
                RocksDB readOnly = RocksDB.openReadOnly(options, directory.toString());
                RocksIterator iterator = readOnly.newIterator()) {
            iterator.seekForPrev(ENTRIES_END);
            return iterator.isValid() && RocksDbRecords.indexOf(iterator.key()) >= 0
                    ? Long.toString(RocksDbRecords.indexOf(iterator.key())) : "(none)";
        } catch (RocksDBException | RuntimeException e) {
            return "(unknown: " + e.getMessage() + ")";
        }
    }

    /** Names the SST file that holds {@code index}, or the WAL/memtable when none does. */
    String where(long index) {
        byte[] key = RocksDbRecords.entryKey(index);
        for (LiveFileMetaData file : db.getLiveFilesMetaData()) {
            if (Arrays.compareUnsigned(file.smallestKey(), key) <= 0 && Arrays.compareUnsigned(key, file.largestKey()) <= 0) {
                return "RocksDB log in " + directory + ", file " + file.fileName().replaceFirst("^/", "");
            }
        }
        String walFiles;
        try {
            walFiles = walFiles(directory).toString();
        } catch (IOException e) {
            walFiles = "(unlisted)";
        }
        return "RocksDB log in " + directory + ", memtable replayed from WAL " + walFiles;
    }

    /** The store's error for a failed read at {@code index}: a corruption names where it is. */
    StorageException readFailure(long index, RocksDBException e) {
        Status status = e.getStatus();
        if (status != null && status.getCode() == Status.Code.Corruption) {
            return new CorruptLogException(where(index) + ": cannot read at or after index " + index + ": " + e.getMessage(), e);
        }
        return new StorageException("RocksDB log in " + directory + ": cannot read at index " + index + ": " + e.getMessage(), e);
    }
}
