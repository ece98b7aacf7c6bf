package dev.raftkv.liberty.admin;

import dev.raftkv.server.NodeStatus;
import java.util.List;

/**
 * The JSON of the membership resources: the members as the answering node knows them.
 *
 * @param leaderId the leader the answering node knows, null during an election
 */
public record MembersView(String leaderId, List<MemberView> members) {

    static MembersView of(NodeStatus status) {
        return new MembersView(status.leaderId(), status.members().stream().map(MemberView::of).toList());
    }
}
