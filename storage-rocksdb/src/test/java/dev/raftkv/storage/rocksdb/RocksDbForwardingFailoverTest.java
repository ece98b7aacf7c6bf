package dev.raftkv.storage.rocksdb;

import dev.raftkv.server.ForwardingFailoverTest;

/** Forwarded writes across leader stops, every node's log on RocksDB. */
class RocksDbForwardingFailoverTest extends ForwardingFailoverTest {

    @Override
    protected String backend() {
        return "rocksdb";
    }
}
