package dev.raftkv.raft;

/**
 * A read that became safe: once the state machine has applied {@code index}, a read
 * served from it is linearizable (ReadIndex, thesis §6.4).
 *
 * @param requestId the id the driver gave {@link RaftNode#readIndex(long)}
 * @param index the commit index the read must wait for
 */
public record ReadState(long requestId, long index) {
}
