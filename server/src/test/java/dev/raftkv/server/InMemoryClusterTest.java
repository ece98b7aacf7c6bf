package dev.raftkv.server;

/** The cluster suite on the in-memory log (a restarted node comes back empty and catches up from the leader). */
class InMemoryClusterTest extends ClusterTest {

    @Override
    protected String backend() {
        return "memory";
    }
}
