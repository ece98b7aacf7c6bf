package dev.raftkv.sim;

/**
 * Bugs of the node driver that the simulator's own test ({@code MutationTest}) switches
 * on, to show the simulator catches them. Unlike {@link dev.raftkv.raft.InjectedBug}
 * they live in test code only: the simulator wires the production parts differently.
 */
enum DriverBug {
    /**
     * A follower sends a session-less write to the next leader after a broken
     * {@code Forward} call without putting it under its forwarding session first, so a
     * copy the old leader had already appended is applied too.
     */
    FORWARD_AGAIN_WITHOUT_DEDUPLICATION,
    /**
     * Waiting writes are tied to the index they were proposed at, not to the entry: they
     * stay when leadership is lost and are answered by whatever entry is applied there, so
     * after a leader change another leader's entry completes one with its result.
     */
    WAITERS_BY_INDEX_ONLY,
    /** The leader answers a write once its entry commits, before the apply thread applied it. */
    ACK_ON_COMMIT,
    /** A follower serves a linearizable read once the read index is confirmed, before it has applied up to it. */
    FOLLOWER_READ_BEFORE_APPLIED,
    /** A snapshot from the leader is installed while committed entries before it are still queued for apply. */
    INSTALL_AHEAD_OF_QUEUED_ENTRIES
}
