package dev.raftkv.liberty;

import dev.raftkv.server.RaftServer;

/** CDI event: the node has started and serves (fired on the container's start-up thread). */
public record NodeStarted(RaftServer server, LibertyConfig settings) {
}
