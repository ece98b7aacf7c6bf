package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Add;
import dev.raftkv.proto.CloseSession;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CompareAndSet;
import dev.raftkv.proto.Delete;
import dev.raftkv.proto.OpenSession;
import dev.raftkv.proto.Put;

/** Terse builders of {@link Command}s for tests; strings are UTF-8 keys and values. */
final class Commands {

    private Commands() {}

    static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }

    static Command put(String key, String value) {
        return Command.newBuilder().setPut(Put.newBuilder().setKey(bytes(key)).setValue(bytes(value))).build();
    }

    static Command delete(String key) {
        return Command.newBuilder().setDelete(Delete.newBuilder().setKey(bytes(key))).build();
    }

    static Command add(String key, long delta) {
        return Command.newBuilder().setAdd(Add.newBuilder().setKey(bytes(key)).setDelta(delta)).build();
    }

    static Command casAbsent(String key, String newValue) {
        return Command.newBuilder().setCompareAndSet(CompareAndSet.newBuilder()
                .setKey(bytes(key)).setExpectAbsent(true).setNewValue(bytes(newValue))).build();
    }

    static Command cas(String key, String expected, String newValue) {
        return Command.newBuilder().setCompareAndSet(CompareAndSet.newBuilder()
                .setKey(bytes(key)).setExpectedValue(bytes(expected)).setNewValue(bytes(newValue))).build();
    }

    static Command openSession() {
        return Command.newBuilder().setOpenSession(OpenSession.getDefaultInstance()).build();
    }

    static Command closeSession(long sessionId) {
        return Command.newBuilder().setSessionId(sessionId).setCloseSession(CloseSession.getDefaultInstance()).build();
    }

    /** {@code command} as write {@code sequence} of session {@code sessionId}, acknowledging up to {@code acked}. */
    static Command inSession(Command command, long sessionId, long sequence, long acked) {
        return command.toBuilder().setSessionId(sessionId).setSequence(sequence).setAckedSequence(acked).build();
    }

    /** {@code command} proposed at {@code timestampMillis}. */
    static Command at(long timestampMillis, Command command) {
        return command.toBuilder().setTimestampMillis(timestampMillis).build();
    }
}
