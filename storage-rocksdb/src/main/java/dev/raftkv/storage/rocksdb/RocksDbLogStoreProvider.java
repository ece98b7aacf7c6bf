package dev.raftkv.storage.rocksdb;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import java.nio.file.Path;

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
}
