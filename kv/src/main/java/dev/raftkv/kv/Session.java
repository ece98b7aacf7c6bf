package dev.raftkv.kv;

import dev.raftkv.proto.CommandResult;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One client session (Ongaro thesis §6.3): the results of the sequences the client has
 * not yet acknowledged, so a retried write returns its first result instead of being
 * applied again. Confined to the apply thread like the rest of the state machine.
 *
 * <p>Sequence numbers are {@code uint64} on the wire but compared as signed longs here:
 * clients count from 1, and a value of 2<sup>63</sup> or more (negative here) is simply
 * at or below any floor, so it is answered SEQUENCE_STALE, the same on every replica.
 */
final class Session {

    private final long id;
    private long lastActiveMillis;
    private long ackedSequence;
    private final TreeMap<Long, CommandResult> resultsBySequence = new TreeMap<>();

    Session(long id, long lastActiveMillis, long ackedSequence) {
        this.id = id;
        this.lastActiveMillis = lastActiveMillis;
        this.ackedSequence = ackedSequence;
    }

    long id() {
        return id;
    }

    /** The log clock when an applied command last named this session. */
    long lastActiveMillis() {
        return lastActiveMillis;
    }

    void touch(long nowMillis) {
        lastActiveMillis = nowMillis;
    }

    /** Every sequence up to this one has been acknowledged by the client; their results are gone. */
    long ackedSequence() {
        return ackedSequence;
    }

    /** Raises the acknowledged floor (it never goes down) and forgets the results at or below it. */
    void acknowledge(long sequence) {
        if (sequence > ackedSequence) {
            ackedSequence = sequence;
            resultsBySequence.headMap(sequence, true).clear();
        }
    }

    /** The recorded result of {@code sequence}, or null if it was never applied or was forgotten. */
    CommandResult result(long sequence) {
        return resultsBySequence.get(sequence);
    }

    /** Records the result of the first application of {@code sequence}, which must be above the floor. */
    void record(long sequence, CommandResult result) {
        if (sequence <= ackedSequence) {
            throw new IllegalStateException(
                    "session " + id + ": sequence " + sequence + " is not above the acknowledged " + ackedSequence);
        }
        if (resultsBySequence.putIfAbsent(sequence, result) != null) {
            throw new IllegalStateException("session " + id + ": sequence " + sequence + " already has a result");
        }
    }

    /** An independent copy, for a snapshot view: the apply thread may change this one meanwhile. */
    Session copy() {
        Session copy = new Session(id, lastActiveMillis, ackedSequence);
        copy.resultsBySequence.putAll(resultsBySequence);
        return copy;
    }

    /** The retained results in sequence order, read-only. */
    NavigableMap<Long, CommandResult> results() {
        return Collections.unmodifiableNavigableMap(resultsBySequence);
    }
}
