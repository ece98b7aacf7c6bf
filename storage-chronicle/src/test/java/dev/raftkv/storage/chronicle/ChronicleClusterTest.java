package dev.raftkv.storage.chronicle;

import dev.raftkv.server.DurableClusterTest;

/** The in-process cluster suite with every node's log on Chronicle Queue. */
class ChronicleClusterTest extends DurableClusterTest {

    @Override
    protected String backend() {
        return "chronicle";
    }
}
