package dev.raftkv.liberty.admin;

import dev.raftkv.raft.Role;
import dev.raftkv.server.Member;
import dev.raftkv.server.NodeStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of {@code GET /admin/v1/status}.
 *
 * @param leaderId null during an election
 * @param snapshotIndex the last index covered by this node's latest snapshot, 0 without one
 * @param members every member of the configuration this node knows
 */
public record StatusView(String nodeId, String role, long term, String leaderId, long commitIndex,
                         long appliedIndex, long snapshotIndex, long firstIndex, long lastIndex,
                         List<MemberView> members) {

    /**
     * @param role {@code VOTER} or {@code LEARNER}
     * @param matchIndex the highest index known to be replicated on the member; null where this node does not
     *     know it (only the leader tracks it)
     * @param lag entries the member trails the leader's last index by; null where unknown
     */
    public record MemberView(String id, String peerAddress, String clientAddress, String role, Long matchIndex,
                             Long lag) {
    }

    static StatusView of(NodeStatus status) {
        List<MemberView> members = new ArrayList<>();
        boolean leader = status.role() == Role.LEADER;
        for (Member member : status.members().values()) {
            Long match = status.matchIndexes().get(member.id());
            if (leader && member.id().equals(status.nodeId())) {
                match = status.lastIndex();
            }
            Long lag = leader && match != null ? Math.max(0, status.lastIndex() - match) : null;
            members.add(new MemberView(member.id(), member.peerAddress(), member.clientAddress(), "VOTER", match,
                    lag));
        }
        return new StatusView(status.nodeId(), status.role().name(), status.term(), status.leaderId(),
                status.commitIndex(), status.appliedIndex(), Math.max(0, status.firstIndex() - 1),
                status.firstIndex(), status.lastIndex(), members);
    }
}
