package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;

/**
 * How a node knows it was removed from the cluster: a committed configuration that does
 * not list it, at {@code configIndex} in term {@code configTerm}, which it found in its own
 * log or was told of by member {@code toldBy} (thesis §4.2.3; etcd's ErrMemberRemoved).
 *
 * @param conf the configuration without this node: the members to send clients to
 * @param toldBy the member that sent {@code MSG_REMOVED}, or this node's id when its own
 *     log holds the committed configuration
 */
public record Removal(long configIndex, long configTerm, ConfState conf, String toldBy) {

    /** Whether a configuration at {@code (term, index)} is newer than this one: a later change may re-add the node. */
    boolean olderThan(long term, long index) {
        return term > configTerm || (term == configTerm && index > configIndex);
    }
}
