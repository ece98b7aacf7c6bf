package dev.raftkv.storage.rocksdb;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The {@code rocksdb} backend (the default of {@code raftkv.wal.backend}), found by {@link java.util.ServiceLoader}. */
public final class RocksDbLogStoreProvider implements LogStoreProvider {

    @Override
    public String name() {
        return "rocksdb";
    }

    @Override
    public LogStore open(Path directory) {
        return RocksDbLogStore.open(directory);
    }

    /** RocksDB's {@code CURRENT} file, a {@code MANIFEST-*} or an {@code *.sst} file. */
    @Override
    public boolean recognises(Path directory) {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString())
                    .anyMatch(n -> n.equals("CURRENT") || n.startsWith("MANIFEST-") || n.endsWith(".sst"));
        } catch (IOException e) {
            throw new StorageException("cannot list " + directory + ": " + e.getMessage(), e);
        }
    }
}
