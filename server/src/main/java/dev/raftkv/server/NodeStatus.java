package dev.raftkv.server;

import dev.raftkv.raft.Role;
import java.util.List;

/**
 * A node's view of itself and the cluster at one moment.
 *
 * @param leaderId the known leader, or null during an election
 * @param snapshotIndex index of the newest snapshot this node holds, 0 if none
 * @param members the configuration in force on this node, voters first
 * @param removed whether this node learned it was removed from the cluster (a committed configuration
 *     without it, in its log or told by a member): it takes no part any more and refuses client requests
 * @param joining whether this node, started to join a cluster, has not yet applied the log up to
 *     {@code joinIndex}: its state is behind the cluster's even when its own commit index looks applied
 * @param joinIndex the index the cluster answered this node's join with (0 until it answered, or when
 *     the node did not join)
 */
public record NodeStatus(String nodeId, Role role, long term, String leaderId, long commitIndex, long appliedIndex,
                         long firstIndex, long lastIndex, long snapshotIndex, List<MemberStatus> members,
                         boolean removed, boolean joining, long joinIndex) {

    /**
     * One member as this node sees it.
     *
     * @param peerAddress {@code host:port} of its peer service
     * @param clientAddress {@code host:port} of its client service, or null when not known
     * @param matchIndex the highest log index known to be on that member; null unless this node leads
     * @param lag how many entries of the leader's log it lacks; null unless this node leads
     */
    public record MemberStatus(String id, String peerAddress, String clientAddress, boolean voter, Long matchIndex,
                               Long lag) {
    }

    public NodeStatus {
        members = List.copyOf(members);
    }

    /** The member with {@code id}, or null. */
    public MemberStatus member(String id) {
        return members.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }
}
