package dev.raftkv.client.fake;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.KeyValuePair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state machine shared by a fake cluster's nodes: the key-value map and exactly-once
 * sessions with the server's rules (duplicate answered with its recorded result, floor
 * raised by {@code acked_sequence}, unknown session answered SESSION_EXPIRED). Thread-safe.
 */
public final class FakeStore {

    private final TreeMap<ByteString, ByteString> data = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private final Map<Long, Map<Long, CommandResult>> resultsBySession = new HashMap<>();
    private final Map<Long, Long> ackedBySession = new HashMap<>();
    private long appliedIndex;
    private int executions;

    /** Opens a session; its id is the next log index. */
    public synchronized long openSession() {
        long id = ++appliedIndex;
        resultsBySession.put(id, new HashMap<>());
        ackedBySession.put(id, 0L);
        return id;
    }

    public synchronized void expireSession(long sessionId) {
        resultsBySession.remove(sessionId);
        ackedBySession.remove(sessionId);
    }

    public synchronized boolean hasSession(long sessionId) {
        return resultsBySession.containsKey(sessionId);
    }

    /** Applies a write command once per (session, sequence). */
    public synchronized CommandResult apply(Command command) {
        appliedIndex++;
        long sessionId = command.getSessionId();
        if (sessionId == 0) {
            return execute(command);
        }
        Map<Long, CommandResult> results = resultsBySession.get(sessionId);
        if (results == null) {
            return error(CommandResult.Code.SESSION_EXPIRED, "session " + sessionId + " is not open");
        }
        long acked = Math.max(ackedBySession.get(sessionId), command.getAckedSequence());
        ackedBySession.put(sessionId, acked);
        results.keySet().removeIf(sequence -> sequence <= acked);
        CommandResult recorded = results.get(command.getSequence());
        if (recorded != null) {
            return recorded;
        }
        if (command.getSequence() <= acked) {
            return error(CommandResult.Code.SEQUENCE_STALE, "sequence " + command.getSequence() + " is stale");
        }
        CommandResult result = execute(command);
        results.put(command.getSequence(), result);
        return result;
    }

    private CommandResult execute(Command command) {
        executions++;
        return switch (command.getOpCase()) {
            case PUT -> previous(data.put(command.getPut().getKey(), command.getPut().getValue()));
            case DELETE -> previous(data.remove(command.getDelete().getKey()));
            case ADD -> add(command.getAdd().getKey(), command.getAdd().getDelta());
            case COMPARE_AND_SET -> compareAndSet(command);
            default -> throw new IllegalArgumentException("not a write: " + command.getOpCase());
        };
    }

    private CommandResult add(ByteString key, long delta) {
        ByteString current = data.get(key);
        long number;
        try {
            number = current == null ? 0 : Long.parseLong(current.toStringUtf8());
        } catch (NumberFormatException e) {
            return error(CommandResult.Code.NOT_A_NUMBER, "value of key is not a decimal 64-bit integer");
        }
        long sum;
        try {
            sum = Math.addExact(number, delta);
        } catch (ArithmeticException e) {
            return error(CommandResult.Code.OVERFLOW, number + " + " + delta + " overflows");
        }
        data.put(key, ByteString.copyFromUtf8(Long.toString(sum)));
        return CommandResult.newBuilder().setNumber(sum).build();
    }

    private CommandResult compareAndSet(Command command) {
        var cas = command.getCompareAndSet();
        ByteString current = data.get(cas.getKey());
        boolean holds = cas.getExpectAbsent() ? current == null : cas.getExpectedValue().equals(current);
        if (!holds) {
            return CommandResult.newBuilder().setCode(CommandResult.Code.CAS_MISMATCH).setMessage("expectation did not hold")
                    .setFound(current != null).setValue(current == null ? ByteString.EMPTY : current).build();
        }
        data.put(cas.getKey(), cas.getNewValue());
        return CommandResult.getDefaultInstance();
    }

    private static CommandResult previous(ByteString value) {
        return CommandResult.newBuilder().setFound(value != null).setValue(value == null ? ByteString.EMPTY : value).build();
    }

    private static CommandResult error(CommandResult.Code code, String message) {
        return CommandResult.newBuilder().setCode(code).setMessage(message).build();
    }

    /** How many keys the store holds. */
    public synchronized int size() {
        return data.size();
    }

    public synchronized ByteString get(ByteString key) {
        return data.get(key);
    }

    /** Pairs in {@code [start, end)} (empty end: unbounded), at most {@code limit} + whether more follow. */
    public synchronized Page scan(ByteString start, ByteString end, int limit) {
        var tail = end.isEmpty() ? data.tailMap(start, true) : data.subMap(start, true, end, false);
        List<KeyValuePair> pairs = new ArrayList<>();
        for (var entry : tail.entrySet()) {
            if (pairs.size() == limit) {
                return new Page(pairs, true);
            }
            pairs.add(KeyValuePair.newBuilder().setKey(entry.getKey()).setValue(entry.getValue()).build());
        }
        return new Page(pairs, false);
    }

    /** A scan's answer. */
    public record Page(List<KeyValuePair> pairs, boolean more) {
    }

    public synchronized long appliedIndex() {
        return appliedIndex;
    }

    /** How many commands changed (or tried to change) the map: duplicates are not counted. */
    public synchronized int executions() {
        return executions;
    }
}
