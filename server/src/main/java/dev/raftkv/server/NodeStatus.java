package dev.raftkv.server;

import dev.raftkv.raft.Role;
import java.util.Map;

/**
 * A node's view of itself and the cluster at one moment.
 *
 * @param leaderId the known leader, or null during an election
 * @param matchIndexes each voter's match index as the leader sees it; empty on other nodes
 */
public record NodeStatus(String nodeId, Role role, long term, String leaderId, long commitIndex, long appliedIndex,
                         long firstIndex, long lastIndex, Map<String, Member> members, Map<String, Long> matchIndexes) {
}
