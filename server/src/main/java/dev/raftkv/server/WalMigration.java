package dev.raftkv.server;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Offline copy of a node's Raft log from one WAL backend to another, in place: entries,
 * hard state (term, vote, commit index) and the compaction point (first index and the
 * term before it). Snapshots stay as they are; they do not depend on the backend.
 *
 * <p>Steps: take the data directory's lock (refused while the node runs), copy the log into
 * {@code wal.next/} with the new backend, sync, reopen it and compare everything with the
 * source, then commit by rewriting {@code meta} ({@code wal.backend=<to>} and
 * {@code wal.migration=<from>-><to>}), swap the directories ({@code wal} to {@code wal.prev},
 * {@code wal.next} to {@code wal}), delete the old log and clear {@code wal.migration}. An
 * interruption before the commit leaves {@code wal/} and {@code meta} untouched (the copy is
 * deleted by the next run); after it, a node refuses to start until the command is run again,
 * which finishes the swap.
 *
 * <p>Run as {@code java -cp <raftkv jars> dev.raftkv.server.WalMigration --data-dir DIR --to BACKEND},
 * with both backends on the classpath (and Chronicle's JVM options); see the README. Exit
 * status 0 when done, 2 when refused (bad arguments, node running, nothing to migrate), 1 when
 * the copy failed or did not verify (the original log is unchanged then).
 */
public final class WalMigration {

    /** Bytes read from the source per batch, and written between syncs of the target. */
    private static final long BATCH_BYTES = 8L << 20;
    private static final long SYNC_EVERY_BYTES = 64L << 20;

    /** What a migration did: the log it copied, as the target now holds it. */
    public record Result(String from, String to, long firstIndex, long lastIndex, long snapshotTerm,
                         HardState hardState, long bytes, boolean resumed) {
        @Override
        public String toString() {
            if (resumed) {
                return "finished the interrupted migration from " + from + " to " + to + "; wal/ holds the " + to
                        + " log";
            }
            return String.format("copied the log from %s to %s: entries %d..%d (%d entries, %.1f MiB), term before"
                            + " them %d, hard state term %d vote '%s' commit %d; verified; wal/ holds the %s log",
                    from, to, firstIndex, lastIndex, lastIndex - firstIndex + 1, bytes / 1048576.0, snapshotTerm,
                    hardState.getTerm(), hardState.getVotedFor(), hardState.getCommit(), to);
        }
    }

    private WalMigration() {
    }

    /** The command line an operator runs to migrate {@code dataDir} to {@code to}, for messages. */
    static String command(Path dataDir, String to) {
        return "java -cp '<raftkv jars>' dev.raftkv.server.WalMigration --data-dir " + dataDir + " --to " + to;
    }

    public static void main(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!List.of("--data-dir", "--to", "--from").contains(args[i]) || i + 1 == args.length) {
                usage("unexpected argument '" + args[i] + "'");
            }
            options.put(args[i], args[++i]);
        }
        if (!options.containsKey("--data-dir") || !options.containsKey("--to")) {
            usage("--data-dir and --to are required");
        }
        try {
            Result result = migrate(Path.of(options.get("--data-dir")), options.get("--from"), options.get("--to"),
                    System.out);
            System.out.println(options.get("--data-dir") + ": " + result);
        } catch (ConfigException e) {
            System.err.println("raftkv wal migration refused: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            System.err.println("raftkv wal migration failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        System.err.println("raftkv wal migration: " + problem + "\nusage: WalMigration --data-dir DIR --to"
                + " rocksdb|chronicle [--from rocksdb|chronicle]");
        System.exit(2);
    }

    /**
     * Migrates the log in {@code dataDir} to {@code to}. Blocks until done; the caller's thread does the I/O.
     *
     * @param from the backend the caller expects wrote the log, or null to take the one recorded or detected
     * @param progress where a line per phase goes
     * @throws ConfigException if refused: the node runs, the directory holds no durable log, the
     *     backends are equal, {@code to} keeps nothing on disk, or {@code from} is not the one that wrote it
     * @throws StorageException if reading, writing or verifying fails; {@code wal/} and {@code meta} are
     *     then as before
     */
    public static Result migrate(Path dataDir, String from, String to, PrintStream progress) {
        DataDirectory data = DataDirectory.openExisting(dataDir);
        try (DataDirectory.Lock lock = data.lock()) {
            String pending = data.pendingMigration();
            if (pending != null) {
                String[] pair = pending.split("->", 2);
                if (!pair[1].equals(to)) {
                    throw new ConfigException("raftkv.wal.backend", dataDir + ": an interrupted migration " + pending
                            + " must be finished first: run it again with --to " + pair[1]);
                }
                progress.println(dataDir + ": finishing the interrupted migration " + pending);
                swap(data);
                return new Result(pair[0], pair[1], 0, 0, 0, HardState.getDefaultInstance(), 0, true);
            }
            String written = written(data);
            if (from != null && !from.equals(written)) {
                throw new ConfigException("raftkv.wal.backend", data.wal() + " was written by " + written + ", not "
                        + from);
            }
            if (written.equals(to)) {
                throw new ConfigException("raftkv.wal.backend", data.wal() + " already holds a " + to + " log");
            }
            LogStoreProvider target = WalBackends.provider(to);
            if (!target.durable()) {
                throw new ConfigException("raftkv.wal.backend", to + " keeps no log on disk: nothing can be migrated"
                        + " to it");
            }
            Path next = dataDir.resolve("wal.next");
            if (Files.exists(dataDir.resolve("wal.prev"))) {
                throw new ConfigException("raftkv.data.dir", dataDir.resolve("wal.prev") + " exists without a"
                        + " migration in progress; move it away first");
            }
            deleteTree(next);
            Result result = copy(WalBackends.provider(written), data.wal(), target, next, written, to);
            progress.println(dataDir + ": copied and verified entries " + result.firstIndex() + ".." + result.lastIndex()
                    + " in " + next + "; switching wal/ to " + to);
            data.update(Map.of(DataDirectory.WAL_BACKEND, to, DataDirectory.WAL_MIGRATION, written + "->" + to));
            swap(data);
            return result;
        }
    }

    /** The durable backend that wrote {@code data}'s log, as recorded or detected. */
    private static String written(DataDirectory data) {
        String recorded = data.walBackend();
        String written = recorded != null ? recorded
                : WalBackends.detected(data.wal(), WalBackends.recognisedBy(data.wal()));
        if (written == null || !WalBackends.durable(written)) {
            throw new ConfigException("raftkv.wal.backend", data.wal() + " holds no durable log"
                    + (written == null ? "" : " (its backend is " + written + ")") + "; nothing to migrate");
        }
        return written;
    }

    private static Result copy(LogStoreProvider source, Path sourceDir, LogStoreProvider target, Path targetDir,
                               String from, String to) {
        try (LogStore in = source.open(sourceDir)) {
            long first = in.firstIndex();
            long last = in.lastIndex();
            long snapshotTerm = in.term(first - 1);
            HardState hardState = in.hardState();
            long bytes = 0;
            try (LogStore out = target.open(targetDir)) {
                if (first > 1) {
                    out.reset(first - 1, snapshotTerm);
                }
                long unsynced = 0;
                for (long lo = first; lo <= last; ) {
                    List<Entry> batch = in.entries(lo, last + 1, BATCH_BYTES);
                    out.append(batch);
                    for (Entry e : batch) {
                        unsynced += e.getSerializedSize();
                    }
                    lo += batch.size();
                    if (unsynced >= SYNC_EVERY_BYTES) {
                        out.sync();
                        bytes += unsynced;
                        unsynced = 0;
                    }
                }
                bytes += unsynced;
                out.setHardState(hardState);
                out.sync();
            }
            try (LogStore copied = target.open(targetDir)) {
                verify(in, copied, targetDir);
            }
            return new Result(from, to, first, last, snapshotTerm, hardState, bytes, false);
        } catch (RuntimeException e) {
            deleteTree(targetDir);
            throw e;
        }
    }

    /** Compares the reopened copy with the source, entry by entry. */
    private static void verify(LogStore source, LogStore copy, Path copyDir) {
        check(copy.firstIndex() == source.firstIndex(), copyDir, "first index " + copy.firstIndex() + " instead of "
                + source.firstIndex());
        check(copy.lastIndex() == source.lastIndex(), copyDir, "last index " + copy.lastIndex() + " instead of "
                + source.lastIndex());
        long before = source.firstIndex() - 1;
        check(copy.term(before) == source.term(before), copyDir, "term " + copy.term(before) + " at index " + before
                + " instead of " + source.term(before));
        check(copy.hardState().equals(source.hardState()), copyDir, "hard state " + copy.hardState()
                + " instead of " + source.hardState());
        for (long lo = source.firstIndex(); lo <= source.lastIndex(); ) {
            List<Entry> expected = source.entries(lo, source.lastIndex() + 1, BATCH_BYTES);
            List<Entry> actual = copy.entries(lo, lo + expected.size(), Long.MAX_VALUE);
            for (int i = 0; i < expected.size(); i++) {
                check(actual.get(i).equals(expected.get(i)), copyDir, "entry " + (lo + i) + " differs");
            }
            lo += expected.size();
        }
    }

    private static void check(boolean ok, Path copyDir, String problem) {
        if (!ok) {
            throw new StorageException("the copy in " + copyDir + " does not match the source: " + problem
                    + "; the original log is unchanged");
        }
    }

    /** Swaps {@code wal.next} into place after the commit and clears the mark; safe to repeat after an interruption. */
    private static void swap(DataDirectory data) {
        Path wal = data.wal();
        Path next = data.root().resolve("wal.next");
        Path prev = data.root().resolve("wal.prev");
        try {
            if (Files.exists(next)) {
                if (Files.exists(wal)) {
                    if (Files.exists(prev)) {
                        throw new StorageException(data.root() + ": wal, wal.next and wal.prev all exist; cannot tell"
                                + " which log is current");
                    }
                    Files.move(wal, prev, StandardCopyOption.ATOMIC_MOVE);
                    DataDirectory.syncDirectory(data.root());
                }
                Files.move(next, wal, StandardCopyOption.ATOMIC_MOVE);
                DataDirectory.syncDirectory(data.root());
            }
        } catch (IOException e) {
            throw new StorageException(data.root() + ": cannot swap wal.next into place: " + e.getMessage()
                    + "; run the migration again to finish it", e);
        }
        deleteTree(prev);
        Map<String, String> done = new HashMap<>();
        done.put(DataDirectory.WAL_MIGRATION, null);
        data.update(done);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new StorageException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
