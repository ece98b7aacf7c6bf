package dev.raftkv.raft;

import java.util.Optional;

/** A leader-only request reached a node that is not the leader; carries the leader it knows of, if any. */
public class NotLeaderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String leaderId;

    public NotLeaderException(String nodeId, String leaderId) {
        super("node " + nodeId + " is not the leader"
                + (leaderId == null ? "; no leader is known" : "; the leader is " + leaderId));
        this.leaderId = leaderId;
    }

    /** The leader this node knows of, empty during an election. */
    public Optional<String> leaderId() {
        return Optional.ofNullable(leaderId);
    }
}
