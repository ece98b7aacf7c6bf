package dev.raftkv.storage.rocksdb;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreContractTest;
import dev.raftkv.storage.LogStoreProvider;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The shared contract on RocksDB, opened through the provider as the server does. */
class RocksDbLogStoreContractTest extends LogStoreContractTest {

    @Override
    protected LogStore open(Path directory) {
        return LogStoreProvider.named("rocksdb").open(directory);
    }

    @Override
    protected void awaitSpaceReclaimed(LogStore store) {
        try {
            ((RocksDbLogStore) store).spaceReclaimed().get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new AssertionError("space was not reclaimed", e);
        }
    }
}
