package dev.raftkv.server;

import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * A node's data directory: {@code wal/} for the log backend, {@code snapshots/}, and
 * {@code meta}, which records the cluster and node the data belongs to. A node refuses
 * to start on another cluster's or another node's data.
 */
public final class DataDirectory {

    private final Path root;

    private DataDirectory(Path root) {
        this.root = root;
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
        Path meta = root.resolve("meta");
        Properties properties = new Properties();
        try {
            if (Files.exists(meta)) {
                try (var in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                    properties.load(in);
                }
                check(root, "cluster.id", clusterId, properties);
                check(root, "node.id", nodeId, properties);
            } else {
                properties.setProperty("cluster.id", clusterId);
                properties.setProperty("node.id", nodeId);
                Path temp = root.resolve("meta.tmp");
                try (var out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    properties.store(out, "raftkv data directory");
                }
                Files.move(temp, meta, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new StorageException("cannot read or write " + meta + ": " + e.getMessage(), e);
        }
        return new DataDirectory(root);
    }

    private static void check(Path root, String key, String expected, Properties properties) {
        String found = properties.getProperty(key);
        if (!expected.equals(found)) {
            throw new ConfigException("raftkv.data.dir", root + " holds data of " + key + " '" + found
                    + "', not '" + expected + "'; point this node at its own data directory");
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
