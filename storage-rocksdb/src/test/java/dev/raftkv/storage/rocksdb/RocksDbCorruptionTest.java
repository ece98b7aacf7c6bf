package dev.raftkv.storage.rocksdb;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreCorruptionTest;
import java.nio.file.Path;

/** Damage to the RocksDB write-ahead log, where recently synced entries live. */
class RocksDbCorruptionTest extends LogStoreCorruptionTest {

    @Override
    protected LogStore open(Path directory) {
        return RocksDbLogStore.open(directory);
    }
}
