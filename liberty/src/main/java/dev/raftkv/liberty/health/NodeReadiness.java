package dev.raftkv.liberty.health;

import dev.raftkv.liberty.NodeLifecycle;
import dev.raftkv.server.NodeStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Up when the node is a member of a cluster (not removed), has caught up since it joined, knows a leader, and its
 * applied index is within {@code raftkv.health.max-apply-lag} entries of the commit index it knows (the leader's, as
 * carried by its heartbeats): such a node answers reads without a long wait. The rules: {@link ReadinessRule}.
 */
@Readiness
@ApplicationScoped
public class NodeReadiness implements HealthCheck {

    /** The check's name in {@code /health}: the readiness check, told apart from the other one. */
    static final String NAME = "raftkv-readiness";

    @Inject
    NodeLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        if (!lifecycle.isRunning()) {
            return response.down().withData("reason", "the node is not running").build();
        }
        NodeStatus status = lifecycle.server().status();
        response.withData("nodeId", status.nodeId()).withData("role", status.role().name())
                .withData("term", status.term()).withData("commitIndex", status.commitIndex())
                .withData("appliedIndex", status.appliedIndex()).withData("removed", status.removed())
                .withData("joining", status.joining());
        if (status.leaderId() != null) {
            response.withData("leaderId", status.leaderId());
        }
        String notReady = ReadinessRule.notReadyBecause(status, lifecycle.settings().maxReadyApplyLag());
        if (notReady != null) {
            return response.down().withData("reason", notReady).build();
        }
        return response.up().build();
    }
}
