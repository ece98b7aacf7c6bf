package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides whether a history of single-key operations on the key-value store is
 * linearizable (Herlihy &amp; Wing 1990) against {@link KvModel}: whether every operation
 * can be given one instant between its call and its return (any instant after its call,
 * or none, for an unknown outcome) such that, in the order of those instants, each
 * output is what the sequential state machine would answer.
 *
 * <p>Linearizability is compositional, and every operation touches one key, so each
 * key's sub-history is checked on its own ({@link KeySearch}); the step budget applies
 * per key so one hard key cannot hang the check. Keys are checked in unsigned byte
 * order, and a definite failure on any key is reported before an exhausted budget.
 * GETs with unknown outcomes are dropped up front: they change nothing and report nothing.
 *
 * <p>Cost: a linearizable history is usually confirmed in time linear in its size; a
 * non-linearizable one makes the search try every order the overlaps allow before the
 * offending operation, so it grows with how many operations overlap on one key, and most
 * with how many writes with unknown outcomes are pending on it (a few million steps take
 * a few seconds).
 *
 * <p>Pure; any thread.
 */
public final class LinearizabilityChecker {

    /** Enough for hundreds of heavily overlapping operations on one key. */
    public static final long DEFAULT_MAX_STEPS_PER_KEY = 5_000_000;

    private LinearizabilityChecker() {}

    /** {@link #check(List, long)} with {@link #DEFAULT_MAX_STEPS_PER_KEY}. */
    public static CheckResult check(List<Operation> history) {
        return check(history, DEFAULT_MAX_STEPS_PER_KEY);
    }

    /**
     * Checks {@code history} (in any order).
     *
     * @param maxStepsPerKey how many search steps each key may take before its answer is
     *     {@link CheckResult.Verdict#UNKNOWN}
     */
    public static CheckResult check(List<Operation> history, long maxStepsPerKey) {
        Map<ByteString, List<Operation>> byKey = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
        for (Operation operation : history) {
            if (operation.outcomeUnknown() && operation.input() instanceof Input.Get) {
                continue; // changes nothing and reports nothing
            }
            byKey.computeIfAbsent(operation.key(), key -> new ArrayList<>()).add(operation);
        }
        CheckResult unknown = null;
        for (Map.Entry<ByteString, List<Operation>> key : byKey.entrySet()) {
            CheckResult result = new KeySearch(key.getKey(), key.getValue(), maxStepsPerKey).run();
            if (result.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE) {
                return result;
            }
            if (result.verdict() == CheckResult.Verdict.UNKNOWN && unknown == null) {
                unknown = result;
            }
        }
        return unknown != null ? unknown : CheckResult.LINEARIZABLE;
    }
}
