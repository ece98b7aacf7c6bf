package dev.raftkv.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A write-ahead log backend, found with {@link ServiceLoader} by the name given in
 * the {@code raftkv.wal.backend} setting, so the server depends on no backend.
 * Each backend module registers its provider in
 * {@code META-INF/services/dev.raftkv.storage.LogStoreProvider}.
 */
public interface LogStoreProvider {

    /** The backend's name in configuration, e.g. {@code rocksdb}. */
    String name();

    /**
     * Opens (creating if needed) the log kept in {@code directory}. Data written by
     * another backend is not recognised as a log.
     *
     * @throws CorruptLogException if a record before the end fails its checksum
     * @throws StorageException if the files cannot be read or created
     */
    LogStore open(Path directory);

    /**
     * Whether {@code directory} holds files of this backend's log (an empty log counts, once
     * it was opened). Looks at file names only; opens nothing. A backend that keeps nothing
     * on disk answers false.
     *
     * @throws StorageException if the directory cannot be listed
     */
    boolean recognises(Path directory);

    /** Whether the log survives a restart; false for the {@code memory} backend. */
    default boolean durable() {
        return true;
    }

    /** Every backend on the classpath, in {@link ServiceLoader} order. */
    static List<LogStoreProvider> available() {
        List<LogStoreProvider> all = new ArrayList<>();
        ServiceLoader.load(LogStoreProvider.class).forEach(all::add);
        return all;
    }

    /**
     * The provider registered under {@code name}.
     *
     * @throws IllegalArgumentException naming the known backends, if none has that name
     */
    static LogStoreProvider named(String name) {
        List<String> known = new ArrayList<>();
        for (LogStoreProvider provider : ServiceLoader.load(LogStoreProvider.class)) {
            if (provider.name().equals(name)) {
                return provider;
            }
            known.add(provider.name());
        }
        throw new IllegalArgumentException(
                "raftkv.wal.backend: unknown backend '" + name + "'; available: " + known);
    }
}
