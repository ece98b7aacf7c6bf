package dev.raftkv.server;

import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;

/**
 * A node's data directory: {@code wal/} for the log backend, {@code snapshots/}, and
 * {@code meta}, which records the cluster and node the data belongs to and the WAL backend
 * that wrote {@code wal/} ({@code wal.backend}). A node refuses to start on another
 * cluster's or another node's data; {@link WalBackends} refuses another backend's log.
 *
 * <p>{@code meta} is a properties file, rewritten whole and atomically (temporary file,
 * fsync, rename, directory fsync), so a crash leaves the old or the new version. Keys:
 * {@code cluster.id}, {@code node.id}, {@code wal.backend} (absent in directories made
 * before it was recorded), and {@code wal.migration} ({@code from->to}) while
 * {@link WalMigration} swaps {@code wal/}.
 *
 * <p>Not thread-safe: one node (or one migration) uses an instance, at start-up.
 */
public final class DataDirectory {

    static final String CLUSTER_ID = "cluster.id";
    static final String NODE_ID = "node.id";
    static final String WAL_BACKEND = "wal.backend";
    static final String WAL_MIGRATION = "wal.migration";

    private final Path root;
    private final Properties meta;

    private DataDirectory(Path root, Properties meta) {
        this.root = root;
        this.meta = meta;
    }

    /**
     * Opens {@code root}, creating it and its {@code meta} on first use.
     *
     * @throws ConfigException naming {@code raftkv.data.dir} if it is unwritable or holds another
     *     cluster's or node's data
     */
    public static DataDirectory open(Path root, String clusterId, String nodeId) {
        try {
            Files.createDirectories(root.resolve("wal"));
            Files.createDirectories(root.resolve("snapshots"));
        } catch (IOException e) {
            throw new ConfigException("raftkv.data.dir", "cannot create " + root + ": " + e.getMessage());
        }
        if (!Files.isWritable(root)) {
            throw new ConfigException("raftkv.data.dir", root + " is not writable");
        }
        if (Files.exists(root.resolve("meta"))) {
            DataDirectory data = new DataDirectory(root, read(root));
            data.check(CLUSTER_ID, clusterId);
            data.check(NODE_ID, nodeId);
            return data;
        }
        DataDirectory data = new DataDirectory(root, new Properties());
        data.update(Map.of(CLUSTER_ID, clusterId, NODE_ID, nodeId));
        return data;
    }

    /**
     * Opens an existing data directory whatever cluster and node it belongs to (for offline tools).
     *
     * @throws ConfigException naming {@code raftkv.data.dir} if {@code root} has no {@code meta}
     */
    public static DataDirectory openExisting(Path root) {
        if (!Files.isRegularFile(root.resolve("meta"))) {
            throw new ConfigException("raftkv.data.dir", root + " is not a raftkv data directory (it has no meta file)");
        }
        return new DataDirectory(root, read(root));
    }

    private static Properties read(Path root) {
        Path file = root.resolve("meta");
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return properties;
    }

    private void check(String key, String expected) {
        String found = meta.getProperty(key);
        if (!expected.equals(found)) {
            throw new ConfigException("raftkv.data.dir", root + " holds data of " + key + " '" + found
                    + "', not '" + expected + "'; point this node at its own data directory");
        }
    }

    /** The backend {@code meta} says wrote {@code wal/}, or null if none is recorded. */
    public String walBackend() {
        return meta.getProperty(WAL_BACKEND);
    }

    /** The {@code from->to} of a {@link WalMigration} that committed but did not finish swapping {@code wal/}, or null. */
    public String pendingMigration() {
        return meta.getProperty(WAL_MIGRATION);
    }

    /** Records {@code backend} as the one that writes {@code wal/}; durable when it returns. */
    void recordWalBackend(String backend) {
        update(Map.of(WAL_BACKEND, backend));
    }

    /**
     * Sets each key to its value, or removes it where the value is null, and rewrites
     * {@code meta} atomically; durable when it returns.
     *
     * @throws StorageException if the file cannot be written
     */
    void update(Map<String, String> changes) {
        Properties next = new Properties();
        next.putAll(meta);
        changes.forEach((key, value) -> {
            if (value == null) {
                next.remove(key);
            } else {
                next.setProperty(key, value);
            }
        });
        Path file = root.resolve("meta");
        Path temp = root.resolve("meta.tmp");
        try {
            try (var out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                next.store(out, "raftkv data directory");
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(root);
        } catch (IOException e) {
            throw new StorageException("cannot write " + file + ": " + e.getMessage(), e);
        }
        meta.clear();
        meta.putAll(next);
    }

    /** Makes renames and creations in {@code directory} durable (fsync of the directory). */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Takes the exclusive lock on this directory ({@code lock}, an OS file lock, released when
     * the process dies): a running node holds it, and so does a {@link WalMigration}, so neither
     * runs while the other does. Does not block.
     *
     * @throws ConfigException naming {@code raftkv.data.dir} if another process, or another
     *     holder in this JVM, has it
     */
    public Lock lock() {
        Path file = root.resolve("lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException("cannot open " + file + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StorageException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new ConfigException("raftkv.data.dir", root + " is in use: a running node or a WAL migration"
                    + " holds its lock (" + file + "); stop it first");
        }
        return new Lock(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing held yet
        }
    }

    /** The held lock of a data directory; closing it (once or more) releases it. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;

        private Lock(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    public Path root() {
        return root;
    }

    public Path wal() {
        return root.resolve("wal");
    }

    public Path snapshots() {
        return root.resolve("snapshots");
    }
}
