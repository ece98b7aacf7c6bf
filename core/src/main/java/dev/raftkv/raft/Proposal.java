package dev.raftkv.raft;

/**
 * Where proposed commands went in the leader's log: indexes {@code firstIndex ..
 * firstIndex + count - 1}, all in {@code term}. A command took effect if and only if
 * the entry applied at its index has this term; otherwise a later leader replaced it.
 */
public record Proposal(long firstIndex, int count, long term) {

    public long lastIndex() {
        return firstIndex + count - 1;
    }
}
