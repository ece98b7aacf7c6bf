package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Add;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CommandResult.Code;
import dev.raftkv.proto.CompareAndSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import org.pcollections.TreePMap;

/**
 * The key space: the pairs, ordered by unsigned lexicographic key bytes, and the data
 * commands (PUT, DELETE, ADD, CAS) that change them. Sessions and indexes are the
 * business of {@link KvStateMachine}. Each command either changes exactly what it
 * says or, when it reports an error code, nothing. Confined to the apply thread.
 */
final class KeyValueMap {

    /**
     * A persistent (immutable) sorted map: every change makes a new version that shares
     * all but one path of the tree with the old one, so a snapshot view is just the
     * current version, taken in constant time, and stays unchanged while applying goes on.
     */
    private TreePMap<ByteString, ByteString> pairs;

    KeyValueMap() {
        this.pairs = TreePMap.empty(Keys.ORDER);
    }

    private KeyValueMap(TreePMap<ByteString, ByteString> pairs) {
        this.pairs = pairs;
    }

    /** An independent copy for a snapshot view, in constant time: the current version of the persistent map. */
    KeyValueMap copy() {
        return new KeyValueMap(pairs);
    }

    private ByteString put(ByteString key, ByteString value) {
        ByteString previous = pairs.get(key);
        pairs = pairs.plus(key, value);
        return previous;
    }

    private ByteString remove(ByteString key) {
        ByteString previous = pairs.get(key);
        if (previous != null) {
            pairs = pairs.minus(key);
        }
        return previous;
    }

    /**
     * Applies a data command.
     *
     * @throws IllegalArgumentException if {@code command} is not PUT, DELETE, ADD or CAS
     */
    CommandResult execute(Command command) {
        return switch (command.getOpCase()) {
            case PUT -> previous(put(command.getPut().getKey(), command.getPut().getValue()));
            case DELETE -> previous(remove(command.getDelete().getKey()));
            case ADD -> add(command.getAdd());
            case COMPARE_AND_SET -> compareAndSet(command.getCompareAndSet());
            default -> throw new IllegalArgumentException("not a data command: " + command.getOpCase());
        };
    }

    private static CommandResult previous(ByteString previousValue) {
        return previousValue == null
                ? CommandResult.getDefaultInstance()
                : CommandResult.newBuilder().setFound(true).setValue(previousValue).build();
    }

    private CommandResult add(Add add) {
        ByteString key = add.getKey();
        ByteString current = pairs.get(key);
        long augend = 0;
        if (current != null) {
            OptionalLong parsed = DecimalNumbers.parse(current);
            if (parsed.isEmpty()) {
                return error(Code.NOT_A_NUMBER, "ADD to key " + Keys.describe(key) + ": its value "
                        + Keys.describe(current) + " is not a decimal signed 64-bit integer");
            }
            augend = parsed.getAsLong();
        }
        long sum;
        try {
            sum = Math.addExact(augend, add.getDelta());
        } catch (ArithmeticException overflow) {
            return error(Code.OVERFLOW, "ADD to key " + Keys.describe(key) + ": " + augend + " + " + add.getDelta()
                    + " overflows a signed 64-bit integer");
        }
        put(key, DecimalNumbers.format(sum));
        return CommandResult.newBuilder().setNumber(sum).build();
    }

    private CommandResult compareAndSet(CompareAndSet cas) {
        ByteString current = pairs.get(cas.getKey());
        boolean holds = cas.getExpectAbsent() ? current == null : cas.getExpectedValue().equals(current);
        if (holds) {
            put(cas.getKey(), cas.getNewValue());
            return CommandResult.getDefaultInstance();
        }
        CommandResult.Builder mismatch = CommandResult.newBuilder()
                .setCode(Code.CAS_MISMATCH)
                .setMessage("CAS on key " + Keys.describe(cas.getKey()) + ": expected "
                        + (cas.getExpectAbsent() ? "no value" : Keys.describe(cas.getExpectedValue()))
                        + ", found " + (current == null ? "no value" : Keys.describe(current)));
        if (current != null) {
            mismatch.setFound(true).setValue(current);
        }
        return mismatch.build();
    }

    static CommandResult error(Code code, String message) {
        return CommandResult.newBuilder().setCode(code).setMessage(message).build();
    }

    Optional<ByteString> get(ByteString key) {
        return Optional.ofNullable(pairs.get(key));
    }

    /** See {@link KvStateMachine#scan}. */
    List<KeyValue> scan(ByteString fromInclusive, ByteString toExclusive, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        NavigableMap<ByteString, ByteString> range;
        if (toExclusive.equals(Keys.UNBOUNDED)) {
            range = pairs.tailMap(fromInclusive, true);
        } else if (pairs.comparator().compare(fromInclusive, toExclusive) >= 0) {
            return List.of();
        } else {
            range = pairs.subMap(fromInclusive, true, toExclusive, false);
        }
        List<KeyValue> found = new ArrayList<>(Math.min(limit, 64)); // sub-map size() is a walk
        for (Map.Entry<ByteString, ByteString> pair : range.entrySet()) {
            if (found.size() == limit) {
                break;
            }
            found.add(new KeyValue(pair.getKey(), pair.getValue()));
        }
        return Collections.unmodifiableList(found);
    }

    int size() {
        return pairs.size();
    }

    /** Read-only view in key order, for snapshots. */
    NavigableMap<ByteString, ByteString> pairs() {
        return pairs;
    }

    /**
     * Adds a pair read from a snapshot; snapshots hold pairs in strictly increasing key order.
     *
     * @throws IllegalArgumentException if {@code key} is not greater than every key held
     */
    void restore(ByteString key, ByteString value) {
        if (!pairs.isEmpty() && pairs.comparator().compare(pairs.lastKey(), key) >= 0) {
            throw new IllegalArgumentException(
                    "key " + Keys.describe(key) + " does not follow " + Keys.describe(pairs.lastKey()));
        }
        pairs = pairs.plus(key, value);
    }
}
