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

        static MemberStatus of(String id, boolean voter, Member address, Long matched, long leaderLast) {
            return new MemberStatus(id, address == null ? null : address.peerAddress(),
                    address == null ? null : address.clientAddress(), voter, matched,
                    matched == null ? null : Math.max(0, leaderLast - matched));
        }
    }

    public NodeStatus {
        members = List.copyOf(members);
    }

    /**
     * The status of the node whose core is {@code core}, as of now. Event loop only (the
     * core is not thread-safe).
     *
     * @param addresses the members' addresses, where known
     */
    static NodeStatus of(String nodeId, dev.raftkv.raft.RaftNode core, long appliedIndex,
                         java.util.Map<String, Member> addresses, boolean removed, JoinProgress join) {
        dev.raftkv.proto.ConfState conf = core.confState();
        java.util.Map<String, Long> match = core.matchIndexes();
        long last = core.lastIndex();
        List<MemberStatus> members = new java.util.ArrayList<>();
        for (String id : conf.getVotersList()) {
            members.add(MemberStatus.of(id, true, addresses.get(id), match.get(id), last));
        }
        for (String id : conf.getLearnersList()) {
            members.add(MemberStatus.of(id, false, addresses.get(id), match.get(id), last));
        }
        dev.raftkv.proto.SnapshotMeta snapshot = core.latestSnapshot();
        return new NodeStatus(nodeId, core.role(), core.term(), core.leaderId(), core.commitIndex(), appliedIndex,
                core.firstIndex(), last, snapshot == null ? 0 : snapshot.getIndex(), members, removed,
                join.joining(), join.targetIndex());
    }

    /** The member with {@code id}, or null. */
    public MemberStatus member(String id) {
        return members.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }
}
