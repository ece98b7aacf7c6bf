package dev.raftkv.sim;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;

/** One client operation as the client saw it: what it asked, when, and what came back. */
final class HistoryOp {

    enum Kind { OPEN_SESSION, GET, PUT, DELETE, ADD, CAS }

    final String clientId;
    final Kind kind;
    final ByteString key;
    /** PUT and CAS: the value written. */
    final ByteString value;
    /** ADD: the delta. */
    final long delta;
    /** CAS: the expected value, null to expect the key absent. */
    ByteString expected;
    /** Writes: the command sent (the same on every retry). */
    Command command;
    final long callMillis;
    long returnMillis = Long.MAX_VALUE;
    boolean completed;
    /** GET: the value read, null when absent. */
    ByteString output;
    /** Writes: the state machine's result. */
    CommandResult result;

    HistoryOp(String clientId, Kind kind, ByteString key, ByteString value, long delta, long callMillis) {
        this.clientId = clientId;
        this.kind = kind;
        this.key = key;
        this.value = value;
        this.delta = delta;
        this.callMillis = callMillis;
    }

    @Override
    public String toString() {
        return clientId + " " + kind + " " + key.toStringUtf8()
                + (value != null ? " " + value.toStringUtf8() : "")
                + (kind == Kind.ADD ? " " + delta : "")
                + " @" + callMillis + (completed ? ".." + returnMillis : " (pending)");
    }
}
