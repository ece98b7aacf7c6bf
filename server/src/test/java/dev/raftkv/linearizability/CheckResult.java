package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;

/**
 * The verdict of {@link LinearizabilityChecker#check}.
 *
 * @param key the offending key; null when the history is linearizable
 * @param explanation for a failure: the longest linearizable prefix found and the
 *     operation that could not be placed; empty when the history is linearizable
 */
public record CheckResult(Verdict verdict, ByteString key, String explanation) {

    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        /** The search ran out of its step budget on {@code key}; treat as a failure to investigate. */
        UNKNOWN
    }

    static final CheckResult LINEARIZABLE = new CheckResult(Verdict.LINEARIZABLE, null, "");

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    @Override
    public String toString() {
        return verdict == Verdict.LINEARIZABLE ? "linearizable" : verdict + " on key " + Keys.describe(key) + ": "
                + explanation;
    }
}
