package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;
import java.math.BigInteger;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The sequential specification of one key of the state machine, written independently
 * of {@code dev.raftkv.kv} so the checker can catch it being wrong: a register that is
 * absent or holds bytes. Pure functions; any thread.
 */
final class KvModel {

    /** The state of one key; {@code value} null means absent. */
    record State(ByteString value) {

        static final State ABSENT = new State(null);

        @Override
        public String toString() {
            return value == null ? "absent" : Keys.describe(value);
        }
    }

    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private KvModel() {}

    /**
     * The state after {@code input} takes effect in {@code state}, if it answers
     * {@code output} there; null if it cannot. A null {@code output} (unknown outcome)
     * is consistent with any state.
     */
    static State step(State state, Input input, Output output) {
        ByteString current = state.value();
        if (input instanceof Input.Get) {
            return output == null || output.equals(Output.value(current)) ? state : null;
        }
        if (input instanceof Input.Put put) {
            return output == null || output.equals(Output.value(current)) ? new State(put.value()) : null;
        }
        if (input instanceof Input.Delete) {
            return output == null || output.equals(Output.value(current)) ? State.ABSENT : null;
        }
        if (input instanceof Input.Add add) {
            BigInteger augend = current == null ? BigInteger.ZERO : number(current);
            if (augend == null) {
                return output == null || output instanceof Output.NotANumber ? state : null;
            }
            BigInteger sum = augend.add(BigInteger.valueOf(add.delta()));
            if (!inRange(sum)) {
                return output == null || output instanceof Output.Overflow ? state : null;
            }
            return output == null || output.equals(Output.number(sum.longValueExact()))
                    ? new State(ByteString.copyFromUtf8(sum.toString()))
                    : null;
        }
        Input.CompareAndSet cas = (Input.CompareAndSet) input;
        boolean holds = cas.expectAbsent() ? current == null : Objects.equals(cas.expected(), current);
        if (holds) {
            return output == null || output instanceof Output.CasOk ? new State(cas.newValue()) : null;
        }
        return output == null || output.equals(Output.casMismatch(current)) ? state : null;
    }

    /** The value as ADD reads it: ASCII {@code [+-]?[0-9]+} within the signed 64-bit range, else null. */
    private static BigInteger number(ByteString value) {
        String text = value.toStringUtf8();
        if (!value.isValidUtf8() || !DECIMAL.matcher(text).matches()) {
            return null;
        }
        BigInteger number = new BigInteger(text);
        return inRange(number) ? number : null;
    }

    private static boolean inRange(BigInteger number) {
        return number.compareTo(MIN) >= 0 && number.compareTo(MAX) <= 0;
    }
}
