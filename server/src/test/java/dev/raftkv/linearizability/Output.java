package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;
import dev.raftkv.proto.CommandResult;

/** What a client was told about one operation that completed. */
public sealed interface Output {

    /**
     * A value or its absence: the value a GET read, or the value a PUT or DELETE
     * replaced. {@code value} is null for "absent".
     */
    record Value(ByteString value) implements Output {
        @Override
        public String toString() {
            return value == null ? "absent" : Keys.describe(value);
        }
    }

    /** ADD succeeded; {@code number} is the new value. */
    record Number(long number) implements Output {
        @Override
        public String toString() {
            return Long.toString(number);
        }
    }

    /** ADD found a value that is not a decimal signed 64-bit integer. */
    record NotANumber() implements Output {
        @Override
        public String toString() {
            return "NOT_A_NUMBER";
        }
    }

    /** ADD would have left the signed 64-bit range. */
    record Overflow() implements Output {
        @Override
        public String toString() {
            return "OVERFLOW";
        }
    }

    /** CAS set the new value. */
    record CasOk() implements Output {
        @Override
        public String toString() {
            return "ok";
        }
    }

    /** CAS found {@code current} (null: absent) instead of what it expected. */
    record CasMismatch(ByteString current) implements Output {
        @Override
        public String toString() {
            return "mismatch(" + (current == null ? "absent" : Keys.describe(current)) + ")";
        }
    }

    static Output absent() {
        return new Value(null);
    }

    static Output value(ByteString value) {
        return new Value(value);
    }

    static Output number(long number) {
        return new Number(number);
    }

    static Output notANumber() {
        return new NotANumber();
    }

    static Output overflow() {
        return new Overflow();
    }

    static Output casOk() {
        return new CasOk();
    }

    static Output casMismatch(ByteString currentOrNull) {
        return new CasMismatch(currentOrNull);
    }

    /**
     * The output a state machine {@link CommandResult} gives for {@code input}.
     *
     * @throws IllegalArgumentException for SESSION_EXPIRED and SEQUENCE_STALE, which say
     *     nothing about whether an earlier attempt of the same write took effect: record
     *     such an operation with an unknown outcome instead
     */
    static Output of(Input input, CommandResult result) {
        switch (result.getCode()) {
            case SESSION_EXPIRED, SEQUENCE_STALE -> throw new IllegalArgumentException(
                    result.getCode() + " leaves the outcome unknown; record the operation as timed out");
            default -> { }
        }
        Output output;
        if (input instanceof Input.Add) {
            output = switch (result.getCode()) {
                case NOT_A_NUMBER -> notANumber();
                case OVERFLOW -> overflow();
                default -> number(result.getNumber());
            };
        } else if (input instanceof Input.CompareAndSet) {
            output = result.getCode() == CommandResult.Code.CAS_MISMATCH
                    ? casMismatch(result.getFound() ? result.getValue() : null)
                    : casOk();
        } else {
            output = result.getFound() ? value(result.getValue()) : absent();
        }
        if (result.getCode() != CommandResult.Code.OK && !(output instanceof NotANumber
                || output instanceof Overflow || output instanceof CasMismatch)) {
            throw new IllegalArgumentException(result.getCode() + " cannot answer " + input);
        }
        return output;
    }
}
