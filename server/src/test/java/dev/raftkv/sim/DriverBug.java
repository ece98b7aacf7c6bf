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
    FORWARD_AGAIN_WITHOUT_DEDUPLICATION
}
