package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;

/**
 * Whether one {@link RaftNode} knows it was removed from the cluster, and the
 * {@code MSG_REMOVED} notices that tell it so (thesis §4.2.3; etcd's ErrMemberRemoved):
 * a member answers a sender its committed configuration does not list, and the sender
 * believes it only if that configuration is newer than its own. A removed node never
 * campaigns nor votes; it is a member again once a newer configuration lists it.
 * Not thread-safe, like the node.
 */
final class RemovalNotices {

    private final RaftNode node;
    /** Set when a member told this node it was removed; cleared if a newer configuration lists it. */
    private Removal toldRemoved;
    /** Whether a configuration in this node's log or snapshot ever listed it: only then can its own log remove it. */
    private boolean everListed;

    RemovalNotices(RaftNode node, boolean everListed) {
        this.node = node;
        this.everListed = everListed;
    }

    /** Whether a member told this node it was removed (and no newer configuration lists it since). */
    boolean toldRemoved() {
        return toldRemoved != null;
    }

    /** See {@link RaftNode#removal()}. */
    Removal removal() {
        if (toldRemoved != null) {
            return toldRemoved;
        }
        Membership membership = node.membership;
        ConfState current = membership.current();
        long index = membership.currentIndex();
        if (everListed && !Membership.lists(current, node.id) && index <= node.log.committed()) {
            return new Removal(index, membership.currentTerm(), current, node.id);
        }
        return null;
    }

    /**
     * A member says its committed configuration does not list this node. Believed only if
     * that configuration is newer than this node's own, which lists it: a member that lags
     * behind the change adding this node (it says so from an older configuration) is not.
     * Being newer and committed, the member's configuration is the cluster's: a change that
     * added this node again would come later, and reach it by the log.
     */
    void handleNotice(Message m) {
        Membership membership = node.membership;
        ConfState own = membership.current();
        if (toldRemoved != null || Membership.lists(m.getConf(), node.id) || !Membership.lists(own, node.id)) {
            return;
        }
        long ownTerm = membership.currentTerm();
        long ownIndex = membership.currentIndex();
        if (m.getLogTerm() < ownTerm || (m.getLogTerm() == ownTerm && m.getIndex() <= ownIndex)) {
            return;
        }
        toldRemoved = new Removal(m.getIndex(), m.getLogTerm(), m.getConf(), m.getFrom());
        if (node.role != Role.FOLLOWER || node.leaderId != null) {
            node.becomeFollower(node.term, null);
        }
    }

    /**
     * Answers {@code MSG_REMOVED} to a sender that this member's committed configuration
     * does not list: a node removed while it was cut off, or before the entry reached it,
     * would otherwise campaign forever. Not while the configuration is uncommitted: a
     * leader removing itself still replicates its removal.
     *
     * @return whether it told the sender so (it is outside the committed configuration)
     */
    boolean tellIfRemoved(Message m) {
        Membership membership = node.membership;
        ConfState conf = membership.current();
        long index = membership.currentIndex();
        if (index == 0 || index > node.log.committed() || !Membership.lists(conf, node.id)
                || Membership.lists(conf, m.getFrom()) || m.getFrom().isEmpty()) {
            return false;
        }
        node.messages.add(node.message(MessageType.MSG_REMOVED, m.getFrom()).setIndex(index)
                .setLogTerm(membership.currentTerm()).setConf(conf).build());
        return true;
    }

    /**
     * After the configuration in force changed or moved in the log: remembers that a
     * configuration listed this node, and forgets a removal it was told of once a newer
     * configuration lists it (added again; its content may equal the one before).
     */
    void noteOwnMembership() {
        Membership membership = node.membership;
        if (Membership.lists(membership.current(), node.id)) {
            everListed = true;
            if (toldRemoved != null && toldRemoved.olderThan(membership.currentTerm(), membership.currentIndex())) {
                toldRemoved = null;
            }
        }
    }
}
