package dev.raftkv.liberty.health;

import dev.raftkv.server.NodeStatus;

/**
 * When a node is ready to serve: it is a member (not removed), has caught up since it
 * joined, knows a leader, and has applied within {@code maxApplyLag} entries of the
 * commit index it knows. A pure function of the node's status, so every rule is tested
 * without a server.
 */
final class ReadinessRule {

    private ReadinessRule() {
    }

    /** Why {@code status} is not ready, or null when it is. */
    static String notReadyBecause(NodeStatus status, long maxApplyLag) {
        if (status.removed()) {
            return "the node was removed from the cluster; it serves no requests";
        }
        if (status.joining()) {
            return status.joinIndex() == 0
                    ? "the node is joining the cluster and has not been added yet"
                    : "the node is catching up after joining: applied index " + status.appliedIndex()
                            + " of the " + status.joinIndex() + " the cluster had when it was added";
        }
        if (status.leaderId() == null) {
            return "no leader is known";
        }
        long lag = status.commitIndex() - status.appliedIndex();
        if (lag > maxApplyLag) {
            return "applied index trails the commit index by " + lag + " entries (raftkv.health.max-apply-lag="
                    + maxApplyLag + ")";
        }
        return null;
    }
}
