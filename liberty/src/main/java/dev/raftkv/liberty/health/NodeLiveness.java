package dev.raftkv.liberty.health;

import dev.raftkv.liberty.NodeLifecycle;
import dev.raftkv.server.RaftServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down when the node failed to start, its event loop has stopped (a storage error stops the node, loudly) or its
 * data directory is no longer writable: a restart is the remedy for these. Up while the node is starting.
 */
@Liveness
@ApplicationScoped
public class NodeLiveness implements HealthCheck {

    /** The check's name in {@code /health}: the liveness check, told apart from the other one. */
    static final String NAME = "raftkv-liveness";

    @Inject
    NodeLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        if (lifecycle.failure().isPresent()) {
            return response.down().withData("reason", "the node stopped: " + lifecycle.failure().get()).build();
        }
        if (!lifecycle.isRunning()) {
            // starting (or stopping): nothing a restart would fix
            return response.up().withData("state", "not running").build();
        }
        RaftServer server = lifecycle.server();
        Path dataDir = server.config().dataDir();
        boolean writable = Files.isDirectory(dataDir) && Files.isWritable(dataDir);
        // a removed node stays live: restarting it would not make it a member again
        response.withData("nodeId", server.config().nodeId()).withData("dataDir", dataDir.toString())
                .withData("removed", server.status().removed());
        if (!writable) {
            return response.down().withData("reason", dataDir + " is not writable").build();
        }
        return response.up().build();
    }
}
