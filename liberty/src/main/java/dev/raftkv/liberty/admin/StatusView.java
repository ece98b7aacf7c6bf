package dev.raftkv.liberty.admin;

import dev.raftkv.server.NodeStatus;
import java.util.List;

/**
 * The JSON of {@code GET /admin/v1/status}.
 *
 * @param leaderId null during an election
 * @param snapshotIndex the last index covered by this node's newest snapshot, 0 without one
 * @param removed whether this node learned it was removed from the cluster (it serves no requests)
 * @param joining whether this node joined and has not yet applied the log up to {@code joinIndex}
 * @param joinIndex the index the cluster answered this node's join with; 0 if none
 * @param members the configuration in force on this node, voters first
 */
public record StatusView(String nodeId, String role, long term, String leaderId, long commitIndex,
                         long appliedIndex, long snapshotIndex, long firstIndex, long lastIndex, boolean removed,
                         boolean joining, long joinIndex, List<MemberView> members) {

    static StatusView of(NodeStatus status) {
        return new StatusView(status.nodeId(), status.role().name(), status.term(), status.leaderId(),
                status.commitIndex(), status.appliedIndex(), status.snapshotIndex(), status.firstIndex(),
                status.lastIndex(), status.removed(), status.joining(), status.joinIndex(), status.members().stream().map(MemberView::of).toList());
    }
}
