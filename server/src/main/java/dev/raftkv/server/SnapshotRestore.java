package dev.raftkv.server;

import dev.raftkv.proto.SnapshotMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Makes a node's data directory from a snapshot file, offline (as {@code etcdctl snapshot
 * restore} does): for a new cluster started from a backup, or for a node that replaces a lost
 * one. The file is verified whole first (magic, meta, CRC32C of the whole file); a damaged file
 * is refused with {@link SnapshotCorruptException} and nothing is written.
 *
 * <p>The directory is built beside its final place ({@code DIR.restoring}), synced, and renamed
 * into place, so it either exists complete or not at all. It holds {@code snapshots/} with the
 * file under its canonical name and nothing else: a node started on it loads the snapshot and
 * begins its log after it (status shows {@code firstIndex} = snapshot index + 1), whatever WAL
 * backend it is configured with (recorded in {@code meta} at that first start).
 *
 * <p>The members are those of the snapshot's configuration when its cluster ever changed its
 * membership (it then lists voters and learners with their addresses), else those of each node's
 * {@code raftkv.members}: start the restored nodes with the node ids of the cluster the backup
 * was taken from.
 */
public final class SnapshotRestore {

    /** What was restored. */
    public record Restored(Path dataDir, Path snapshotFile, long index, long term, java.util.List<String> voters,
            java.util.List<String> learners) {
    }

    private SnapshotRestore() {
    }

    /**
     * Verifies {@code snapshot} and makes {@code dataDir} from it.
     *
     * @throws SnapshotCorruptException if the file is damaged (nothing is written)
     * @throws IllegalArgumentException if the file is missing or {@code dataDir} exists and is not empty
     */
    public static Restored restore(Path snapshot, Path dataDir) {
        if (!Files.isRegularFile(snapshot)) {
            throw new IllegalArgumentException("snapshot file " + snapshot + " does not exist");
        }
        Path target = dataDir.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new IllegalArgumentException("data directory " + dataDir
                    + " exists and is not empty: restore makes a new one (move the old one away first)");
        }
        SnapshotMeta meta = SnapshotFiles.verify(snapshot);
        Path building = target.resolveSibling(target.getFileName() + ".restoring");
        try {
            deleteTree(building);
            Path snapshots = Files.createDirectories(building.resolve("snapshots"));
            Path file = snapshots.resolve(SnapshotFiles.name(meta));
            Path temp = snapshots.resolve(file.getFileName() + ".tmp");
            Files.copy(snapshot, temp, StandardCopyOption.REPLACE_EXISTING);
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            // the copy is checked again: what is in place is what was verified
            SnapshotFiles.verify(temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.syncDirectory(snapshots);
            SnapshotFiles.syncDirectory(building);
            if (Files.exists(target)) {
                Files.delete(target);
            }
            Files.createDirectories(target.getParent());
            Files.move(building, target, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.syncDirectory(target.getParent());
            return new Restored(target, target.resolve("snapshots").resolve(file.getFileName()), meta.getIndex(),
                    meta.getTerm(), meta.getConf().getVotersList(), meta.getConf().getLearnersList());
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(building);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new UncheckedIOException("restoring " + snapshot + " into " + dataDir + " failed: " + e.getMessage(),
                    (IOException) e);
        }
    }

    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (DirectoryNotEmptyException | FileAlreadyExistsException e) {
            throw new IOException("cannot clear " + dir + ": " + e.getMessage(), e);
        }
    }
}
