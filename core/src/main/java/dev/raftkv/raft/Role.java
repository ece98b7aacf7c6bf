package dev.raftkv.raft;

/** The role a node plays in its current term (§5.1, plus the pre-vote phase of thesis §9.6). */
public enum Role {
    FOLLOWER,
    /** Asking whether it could win an election, without raising its term yet. */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
