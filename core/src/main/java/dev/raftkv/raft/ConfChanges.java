package dev.raftkv.raft;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Member;
import dev.raftkv.raft.RefusedException.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure rules of one membership change (thesis §4.1): what the configuration
 * becomes, and which requests are refused. The timing rules (one change at a time, a
 * leader commits an entry of its own term first) are the caller's, as they depend on
 * the log.
 */
final class ConfChanges {

    private ConfChanges() {
    }

    /**
     * The configuration after {@code change}.
     *
     * @param learnerMatch the leader's match index of the node to promote (ignored otherwise)
     * @param lastIndex the leader's last index
     * @param maxLagEntries how far behind {@code lastIndex} a promoted learner may be
     * @param knownAddresses addresses the proposer knows for members {@code conf} carries no
     *     address for (the bootstrap voters, typically): the result carries them, so that a
     *     node which learns the configuration from the log (a joining node) can reach every
     *     member. Entries for non-members are ignored; addresses already carried win.
     * @throws RefusedException if the change is invalid for {@code conf}
     */
    static ConfState apply(ConfState conf, ConfChange change, long learnerMatch, long lastIndex, long maxLagEntries,
                           List<Member> knownAddresses) {
        return withAddresses(apply(conf, change, learnerMatch, lastIndex, maxLagEntries), knownAddresses);
    }

    /** {@code conf} with an address entry added, from {@code known}, for each member it carries none for. */
    static ConfState withAddresses(ConfState conf, List<Member> known) {
        Set<String> carried = new HashSet<>();
        conf.getMembersList().forEach(m -> carried.add(m.getId()));
        Set<String> members = new HashSet<>(conf.getVotersList());
        members.addAll(conf.getLearnersList());
        ConfState.Builder result = conf.toBuilder();
        for (Member m : known) {
            if (members.contains(m.getId()) && !m.getPeerAddress().isEmpty() && carried.add(m.getId())) {
                result.addMembers(m);
            }
        }
        return result.build();
    }

    private static ConfState apply(ConfState conf, ConfChange change, long learnerMatch, long lastIndex,
                                   long maxLagEntries) {
        String id = change.getNodeId();
        if (id.isEmpty()) {
            throw new RefusedException(Reason.INVALID, "a configuration change must name a node");
        }
        boolean voter = conf.getVotersList().contains(id);
        boolean learner = conf.getLearnersList().contains(id);
        ConfState.Builder next = conf.toBuilder();
        switch (change.getType()) {
            case CONF_CHANGE_ADD_LEARNER -> {
                if (voter || learner) {
                    throw new RefusedException(Reason.ALREADY_MEMBER, "node " + id + " is already a "
                            + (voter ? "voter" : "learner"));
                }
                next.addLearners(id);
                if (!change.getPeerAddress().isEmpty() || !change.getClientAddress().isEmpty()) {
                    next.addMembers(Member.newBuilder().setId(id).setPeerAddress(change.getPeerAddress())
                            .setClientAddress(change.getClientAddress()));
                }
            }
            case CONF_CHANGE_PROMOTE -> {
                if (voter) {
                    throw new RefusedException(Reason.NOT_A_LEARNER, "node " + id + " is already a voter");
                }
                if (!learner) {
                    throw new RefusedException(Reason.NOT_A_MEMBER, "node " + id + " is not a member; add it as a"
                            + " learner first");
                }
                if (learnerMatch + maxLagEntries < lastIndex) {
                    throw new RefusedException(Reason.TARGET_LAGGING, "learner " + id + " holds the log up to "
                            + learnerMatch + ", more than " + maxLagEntries + " entries behind the leader's "
                            + lastIndex + "; promote it once it has caught up");
                }
                next.clearLearners().addAllLearners(without(conf.getLearnersList(), id)).addVoters(id);
            }
            case CONF_CHANGE_REMOVE -> {
                if (!voter && !learner) {
                    throw new RefusedException(Reason.NOT_A_MEMBER, "node " + id + " is not a member");
                }
                if (voter && conf.getVotersCount() == 1) {
                    throw new RefusedException(Reason.LAST_VOTER, "node " + id + " is the last voter; add and promote"
                            + " another node before removing it");
                }
                next.clearVoters().addAllVoters(without(conf.getVotersList(), id))
                        .clearLearners().addAllLearners(without(conf.getLearnersList(), id))
                        .clearMembers();
                for (Member member : conf.getMembersList()) {
                    if (!member.getId().equals(id)) {
                        next.addMembers(member);
                    }
                }
            }
            default -> throw new RefusedException(Reason.INVALID, "unknown configuration change type "
                    + change.getType());
        }
        return next.build();
    }

    private static List<String> without(List<String> ids, String id) {
        List<String> result = new ArrayList<>(ids);
        result.remove(id);
        return result;
    }
}
