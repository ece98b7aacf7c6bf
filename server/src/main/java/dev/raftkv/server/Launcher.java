package dev.raftkv.server;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one node from {@code raftkv.*} system properties or {@code RAFTKV_*}
 * environment variables, for tests and quick local runs; the Liberty application
 * hosts the same {@link RaftServer}. Exits with status 2 and a message naming the
 * property when the configuration is wrong.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws InterruptedException {
        NodeConfig config;
        try {
            config = NodeConfig.load(NodeConfig.systemLookup());
        } catch (ConfigException e) {
            System.err.println("raftkv: bad configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        RaftServer server = new RaftServer(config, TimeSource.SYSTEM, new SplittableRandom(new SecureRandom().nextLong()),
                Thread::new);
        try {
            server.start();
        } catch (ConfigException e) {
            System.err.println("raftkv: cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("raftkv node " + config.nodeId() + " serving clients on " + config.bindHost() + ":"
                + server.clientPort() + ", peers on " + server.peerPort() + ", data in " + config.dataDir());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "raftkv-shutdown"));
        stopped.await();
    }
}
