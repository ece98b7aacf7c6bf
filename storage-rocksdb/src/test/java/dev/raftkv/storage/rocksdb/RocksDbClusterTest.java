package dev.raftkv.storage.rocksdb;

import dev.raftkv.server.DurableClusterTest;

/** The in-process cluster suite with every node's log on RocksDB. */
class RocksDbClusterTest extends DurableClusterTest {

    @Override
    protected String backend() {
        return "rocksdb";
    }
}
