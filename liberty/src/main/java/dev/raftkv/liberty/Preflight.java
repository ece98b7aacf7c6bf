package dev.raftkv.liberty;

import dev.raftkv.server.ConfigException;
import dev.raftkv.server.DataDirectory;
import dev.raftkv.server.NodeConfig;
import dev.raftkv.server.WalBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The start-up checks that need the machine, run on the container's start-up thread so that a node which
 * cannot start fails the application start instead of running half-configured: the data directory is usable and
 * holds this cluster's and this node's data (or none) written by the configured WAL backend, and the peer and
 * client ports are free.
 */
final class Preflight {

    private Preflight() {
    }

    /** @throws ConfigException naming the property at fault */
    static void check(NodeConfig config) {
        WalBackends.check(DataDirectory.open(config.dataDir(), config.clusterId(), config.nodeId()),
                config.walBackend());
        portFree(config.bindHost(), config.peerPort(), "raftkv.peer.port");
        portFree(config.bindHost(), config.clientPort(), "raftkv.client.port");
    }

    private static void portFree(String host, int port, String property) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ConfigException(property, "cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }
}
