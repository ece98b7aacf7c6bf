package dev.raftkv.liberty.admin;

import dev.raftkv.server.NodeStatus;

/**
 * One cluster member in the admin API's JSON.
 *
 * @param role {@code VOTER} or {@code LEARNER}
 * @param clientAddress {@code host:port} of its client service; null when not known
 * @param matchIndex the highest log index known to be on the member; null unless the answering node leads
 * @param lag entries of the leader's log the member lacks; null unless the answering node leads
 */
public record MemberView(String id, String peerAddress, String clientAddress, String role, Long matchIndex,
                         Long lag) {

    static MemberView of(NodeStatus.MemberStatus member) {
        return new MemberView(member.id(), member.peerAddress(), member.clientAddress(),
                member.voter() ? "VOTER" : "LEARNER", member.matchIndex(), member.lag());
    }
}
