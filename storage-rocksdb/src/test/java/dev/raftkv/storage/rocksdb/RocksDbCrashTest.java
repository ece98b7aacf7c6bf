package dev.raftkv.storage.rocksdb;

import dev.raftkv.storage.LogStoreCrashTest;

/** kill -9 of a RocksDB log. */
class RocksDbCrashTest extends LogStoreCrashTest {

    @Override
    protected String backend() {
        return "rocksdb";
    }
}
