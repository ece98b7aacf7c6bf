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
import org.pcollections.PVector;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

/**
 * The key space: the pairs, ordered by unsigned lexicographic key bytes, each with etcd's
 * version fields, the store's revision and the kept history; and the data commands (PUT,
 * DELETE, ADD, CAS) that change them. Sessions and indexes are the business of
 * {@link KvStateMachine}. Each command either changes exactly what it says or, when it
 * reports an error code, nothing. Confined to the apply thread.
 *
 * <h2>Revisions (etcd's MVCC model)</h2>
 * Every write transaction that changes something ({@link #begin} ... {@link #commit})
 * increments the revision by one; the state after each kept revision stays readable
 * ({@link #stateAt}) from the oldest kept revision on. {@link #compact} and the
 * {@link HistoryLimits} drop older states. A new store is at revision 1, empty.
 */
final class KeyValueMap {

    /**
     * A persistent (immutable) sorted map: every change makes a new version that shares
     * all but one path of the tree with the old one, so a snapshot view is just the
     * current version, taken in constant time, and stays unchanged while applying goes on.
     * Each kept revision's state is such a version too.
     */
    private TreePMap<ByteString, VersionedValue> pairs;
    private final HistoryLimits limits;
    private long revision;
    private long compactedRevision;
    /** The state after each kept revision, contiguous from the oldest kept one to {@link #revision}. */
    private TreePMap<Long, TreePMap<ByteString, VersionedValue>> states;
    /** The keys each kept revision after the oldest one changed (for snapshots). */
    private TreePMap<Long, PVector<ByteString>> changes;
    /** Keys changed by the write in progress; null outside {@link #begin}/{@link #commit}. */
    private PVector<ByteString> pending;
    private TreePMap<ByteString, VersionedValue> beforeWrite;

    KeyValueMap() {
        this(HistoryLimits.DEFAULT);
    }

    KeyValueMap(HistoryLimits limits) {
        this(limits, TreePMap.empty(Keys.ORDER), 1, 0,
                TreePMap.singleton(1L, TreePMap.empty(Keys.ORDER)), TreePMap.empty());
    }

    private KeyValueMap(HistoryLimits limits, TreePMap<ByteString, VersionedValue> pairs, long revision,
            long compactedRevision, TreePMap<Long, TreePMap<ByteString, VersionedValue>> states,
            TreePMap<Long, PVector<ByteString>> changes) {
        this.limits = limits;
        this.pairs = pairs;
        this.revision = revision;
        this.compactedRevision = compactedRevision;
        this.states = states;
        this.changes = changes;
    }

    /** An independent copy for a snapshot view, in constant time: the current versions of the persistent maps. */
    KeyValueMap copy() {
        if (pending != null) {
            throw new IllegalStateException("copy during a write transaction");
        }
        return new KeyValueMap(limits, pairs, revision, compactedRevision, states, changes);
    }

    /** Starts a write transaction: changes until {@link #commit} make one revision. */
    void begin() {
        pending = TreePVector.empty();
        beforeWrite = pairs;
    }

    /** Ends the write transaction: one new revision if it changed anything. */
    void commit() {
        if (!pending.isEmpty()) {
            revision++;
            states = states.plus(revision, pairs);
            changes = changes.plus(revision, pending);
            while (states.size() > limits.maxRevisions()) {
                dropOldest();
            }
        }
        pending = null;
        beforeWrite = null;
    }

    /** Undoes every change of the write transaction (it failed). */
    void rollback() {
        pairs = beforeWrite;
        pending = null;
        beforeWrite = null;
    }

    private void dropOldest() {
        states = states.minusFirstEntry();
        long oldest = states.firstKey();
        changes = changes.headMap(oldest, true).isEmpty() ? changes : changes.tailMap(oldest, false);
        compactedRevision = Math.max(compactedRevision, oldest);
    }

    /**
     * etcd's Compact: drops the states before {@code atRevision}.
     *
     * @throws MvccException if {@code atRevision} is at or below the compacted revision or above the current one
     */
    void compact(long atRevision) {
        if (atRevision <= compactedRevision) {
            throw MvccException.compacted();
        }
        if (atRevision > revision) {
            throw MvccException.futureRevision();
        }
        states = states.tailMap(atRevision, true);
        changes = changes.tailMap(atRevision, false);
        compactedRevision = atRevision;
    }

    /**
     * The key space as of {@code atRevision} (0 or less: the current one, including the
     * changes of a write transaction in progress).
     *
     * @throws MvccException if that revision is compacted or in the future
     */
    NavigableMap<ByteString, VersionedValue> stateAt(long atRevision) {
        if (atRevision <= 0) {
            return pairs;
        }
        if (atRevision > revision) {
            throw MvccException.futureRevision();
        }
        if (atRevision < compactedRevision || atRevision < states.firstKey()) {
            throw MvccException.compacted();
        }
        return states.get(atRevision);
    }

    long revision() {
        return revision;
    }

    long compactedRevision() {
        return compactedRevision;
    }

    /** The revision a write in progress gives its changes. */
    private long nextRevision() {
        return revision + 1;
    }

    ByteString put(ByteString key, ByteString value) {
        VersionedValue previous = putVersioned(key, value);
        return previous == null ? null : previous.value();
    }

    /** Sets {@code key} within the write transaction; returns the previous value with its versions. */
    VersionedValue putVersioned(ByteString key, ByteString value) {
        VersionedValue previous = pairs.get(key);
        long next = nextRevision();
        pairs = pairs.plus(key, previous == null
                ? new VersionedValue(value, next, next, 1)
                : new VersionedValue(value, previous.createRevision(), next, previous.version() + 1));
        pending = pending.plus(key);
        return previous;
    }

    private ByteString remove(ByteString key) {
        VersionedValue previous = removeVersioned(key);
        return previous == null ? null : previous.value();
    }

    /** Deletes {@code key} within the write transaction; returns what it held, or null. */
    VersionedValue removeVersioned(ByteString key) {
        VersionedValue previous = pairs.get(key);
        if (previous != null) {
            pairs = pairs.minus(key);
            pending = pending.plus(key);
        }
        return previous;
    }

    /**
     * Applies a data command.
     *
     * @throws IllegalArgumentException if {@code command} is not PUT, DELETE, ADD or CAS
     */
    CommandResult execute(Command command) {
        begin();
        CommandResult result = executeInWrite(command);
        commit();
        return result.toBuilder().setRevision(revision).build();
    }

    private CommandResult executeInWrite(Command command) {
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
        ByteString current = value(pairs.get(key));
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
        ByteString current = value(pairs.get(cas.getKey()));
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

    private static ByteString value(VersionedValue versioned) {
        return versioned == null ? null : versioned.value();
    }

    Optional<ByteString> get(ByteString key) {
        return Optional.ofNullable(value(pairs.get(key)));
    }

    /** See {@link KvStateMachine#scan}. */
    List<KeyValue> scan(ByteString fromInclusive, ByteString toExclusive, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        NavigableMap<ByteString, VersionedValue> range;
        if (toExclusive.equals(Keys.UNBOUNDED)) {
            range = pairs.tailMap(fromInclusive, true);
        } else if (pairs.comparator().compare(fromInclusive, toExclusive) >= 0) {
            return List.of();
        } else {
            range = pairs.subMap(fromInclusive, true, toExclusive, false);
        }
        List<KeyValue> found = new ArrayList<>(Math.min(limit, 64)); // sub-map size() is a walk
        for (Map.Entry<ByteString, VersionedValue> pair : range.entrySet()) {
            if (found.size() == limit) {
                break;
            }
            found.add(new KeyValue(pair.getKey(), pair.getValue().value()));
        }
        return Collections.unmodifiableList(found);
    }

    int size() {
        return pairs.size();
    }

    /** The state at the oldest kept revision, in key order: a snapshot's base. */
    NavigableMap<ByteString, VersionedValue> baseState() {
        return states.firstEntry().getValue();
    }

    long baseRevision() {
        return states.firstKey();
    }

    /** The keys changed by each kept revision after the base, in revision order: a snapshot's history. */
    NavigableMap<Long, PVector<ByteString>> changes() {
        return changes;
    }

    /** The state after a kept revision. */
    NavigableMap<ByteString, VersionedValue> state(long kept) {
        return states.get(kept);
    }

    /**
     * A map rebuilt from a snapshot: the base state at {@code baseRevision}, then each later
     * revision's changes (a null value: the key was deleted) in order up to {@code revision}.
     *
     * @throws IllegalArgumentException if the revisions do not form a contiguous run ending at {@code revision}
     */
    static KeyValueMap restore(HistoryLimits limits, long revision, long compactedRevision, long baseRevision,
            TreePMap<ByteString, VersionedValue> base, List<Map.Entry<Long, List<Map.Entry<ByteString, VersionedValue>>>>
                    later) {
        TreePMap<ByteString, VersionedValue> current = base;
        TreePMap<Long, TreePMap<ByteString, VersionedValue>> states = TreePMap.singleton(baseRevision, base);
        TreePMap<Long, PVector<ByteString>> changes = TreePMap.empty();
        long expected = baseRevision + 1;
        for (Map.Entry<Long, List<Map.Entry<ByteString, VersionedValue>>> step : later) {
            if (step.getKey() != expected) {
                throw new IllegalArgumentException("history revision " + step.getKey() + " where " + expected
                        + " was expected");
            }
            PVector<ByteString> keys = TreePVector.empty();
            for (Map.Entry<ByteString, VersionedValue> change : step.getValue()) {
                current = change.getValue() == null ? current.minus(change.getKey())
                        : current.plus(change.getKey(), change.getValue());
                keys = keys.plus(change.getKey());
            }
            states = states.plus(expected, current);
            changes = changes.plus(expected, keys);
            expected++;
        }
        if (expected - 1 != revision || compactedRevision > baseRevision) {
            throw new IllegalArgumentException("history ends at revision " + (expected - 1) + " from base "
                    + baseRevision + ", but the store is at revision " + revision + " compacted at " + compactedRevision);
        }
        return new KeyValueMap(limits, current, revision, compactedRevision, states, changes);
    }
}
