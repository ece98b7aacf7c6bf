package dev.raftkv.client;

/** Which node a request goes to first. Either way, a failed attempt moves on to other nodes. */
public enum Routing {
    /**
     * Every request goes to the cached leader, which saves the follower's forwarding hop for
     * writes and the ReadIndex round trip for linearizable reads. Until the leader is known,
     * requests go round-robin; the first answer names it.
     */
    LEADER,
    /**
     * Requests go round-robin over every known node; followers forward writes and serve
     * linearizable reads with ReadIndex. Spreads load (and serializable reads) over the cluster.
     */
    ROUND_ROBIN
}
