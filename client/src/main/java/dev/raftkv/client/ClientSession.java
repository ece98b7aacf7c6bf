package dev.raftkv.client;

import dev.raftkv.proto.WriteHeader;
import java.util.TreeSet;

/**
 * One open server session (Ongaro thesis §6.3) and its sequence numbers. Sequences are
 * handed out 1, 2, 3, ... and stay outstanding until their write has a final answer
 * (result, error or unknown outcome). Every request carries
 * {@code acked_sequence = (lowest outstanding sequence) - 1}, or the last sequence handed out
 * when none is outstanding, so the server may forget exactly the results no attempt can ask
 * for again, and any number of concurrent writes pipeline safely.
 *
 * <p>Thread-safe: sequence allocation and the acknowledged floor are read under one lock so
 * a sequence is never acknowledged between being handed out and becoming outstanding.
 */
final class ClientSession {

    private final long sessionId;
    private final TreeSet<Long> outstanding = new TreeSet<>();
    private long lastSequence;

    ClientSession(long sessionId) {
        this.sessionId = sessionId;
    }

    long sessionId() {
        return sessionId;
    }

    /** Hands out the next sequence and marks it outstanding. */
    synchronized long begin() {
        long sequence = ++lastSequence;
        outstanding.add(sequence);
        return sequence;
    }

    /** Marks {@code sequence} final: later requests acknowledge it once nothing below is outstanding. */
    synchronized void end(long sequence) {
        outstanding.remove(sequence);
    }

    /** Every sequence up to this one has a final answer. */
    synchronized long ackedSequence() {
        return outstanding.isEmpty() ? lastSequence : outstanding.first() - 1;
    }

    /** The header of an attempt of {@code sequence}, with the acknowledged floor as of now. */
    WriteHeader header(long sequence) {
        return WriteHeader.newBuilder()
                .setSessionId(sessionId)
                .setSequence(sequence)
                .setAckedSequence(ackedSequence())
                .build();
    }
}
