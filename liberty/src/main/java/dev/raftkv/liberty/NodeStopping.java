package dev.raftkv.liberty;

import dev.raftkv.server.RaftServer;

/** CDI event: the node is about to stop (fired on the container's stop thread, before anything closes). */
public record NodeStopping(RaftServer server) {
}
