package dev.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.raftkv.proto.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The session under which a forwarding node sends the writes that reached it without
 * one (Ongaro thesis §6.3, applied by the node on its clients' behalf).
 *
 * <p>Why: a follower that passes a write to the leader cannot tell, when the call fails
 * with UNAVAILABLE, whether the leader took it — a connection that breaks after the
 * request was sent looks the same as one that never opened, and by then the old leader
 * may have appended and replicated the entry, which the next leader commits. Sending the
 * write again is safe only if the state machine applies the copy as a duplicate. So
 * before its first forward, a session-less write gets this node's session id and the
 * next sequence number, kept on every later attempt; the state machine then executes it
 * at most once and answers every copy with the first result.
 *
 * <p>The acknowledged floor sent with each write is one below the oldest sequence whose
 * write has not had its final answer, so the state machine keeps the result of every
 * write that may still be sent again, and forgets the others.
 *
 * <p>Threading: {@link #startOpening}, {@link #opened}, {@link #openFailed},
 * {@link #stamp} and {@link #expired} run on the event loop; {@link #finished} may run
 * on any thread (it is called when a write's future completes).
 */
final class ForwardingSession {

    /** The session and sequence one write was stamped with. */
    record Stamp(long sessionId, long sequence) {
    }

    private volatile long sessionId;
    private boolean opening;
    private long nextSequence = 1;
    /** Sequences stamped on writes that have no final answer yet; any thread removes. */
    private final ConcurrentSkipListSet<Long> unfinished = new ConcurrentSkipListSet<>();

    /** Whether session-less writes can be stamped now. */
    boolean isOpen() {
        return sessionId != 0;
    }

    /** True when the caller must now propose an OpenSession for this node: none is open and none is being opened. */
    boolean startOpening() {
        if (sessionId != 0 || opening) {
            return false;
        }
        opening = true;
        return true;
    }

    /** The OpenSession proposed after {@link #startOpening} was applied: its log index is the session's id. */
    void opened(long id) {
        opening = false;
        sessionId = id;
        nextSequence = 1;
        unfinished.clear();
    }

    /** The OpenSession failed or its outcome is unknown: the next write to forward opens another. */
    void openFailed() {
        opening = false;
    }

    /**
     * The state machine answered SESSION_EXPIRED for a write stamped with {@code id}: the
     * session is gone (idle too long, or evicted); the next write opens a new one.
     */
    void expired(long id) {
        if (sessionId == id) {
            sessionId = 0;
            unfinished.clear();
        }
    }

    /**
     * Takes the next sequence number of the open session for one write and returns the
     * command with the session's fields set. The command's own session fields must be
     * unset (a session-less write).
     *
     * @throws IllegalStateException if no session is open
     */
    Stamped stamp(ByteString command) {
        long id = sessionId;
        if (id == 0) {
            throw new IllegalStateException("no forwarding session is open");
        }
        long acked = unfinished.isEmpty() ? nextSequence - 1 : unfinished.first() - 1;
        long sequence = nextSequence++;
        unfinished.add(sequence);
        return new Stamped(withSession(command, id, sequence, acked), new Stamp(id, sequence));
    }

    /** A command with its stamp. */
    record Stamped(ByteString command, Stamp stamp) {
    }

    /** The write stamped with {@code stamp} has its final answer: it is never sent again. */
    void finished(Stamp stamp) {
        if (stamp.sessionId() == sessionId) {
            unfinished.remove(stamp.sequence());
        }
    }

    /**
     * {@code command} (a serialized {@link Command}) with session id, sequence and
     * acknowledged sequence set, without parsing it: a protobuf parser takes the last
     * value of a scalar field that occurs more than once, so appending the three fields
     * overrides the (unset) ones inside.
     */
    static ByteString withSession(ByteString command, long sessionId, long sequence, long ackedSequence) {
        byte[] tail = new byte[3 * (1 + 10)];
        CodedOutputStream out = CodedOutputStream.newInstance(tail);
        try {
            out.writeUInt64(Command.SESSION_ID_FIELD_NUMBER, sessionId);
            out.writeUInt64(Command.SEQUENCE_FIELD_NUMBER, sequence);
            out.writeUInt64(Command.ACKED_SEQUENCE_FIELD_NUMBER, ackedSequence);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return command.concat(ByteString.copyFrom(tail, 0, out.getTotalBytesWritten()));
    }
}
