package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;
import dev.raftkv.proto.Command;
import java.util.Objects;

/** What a client asked of one key: the kind of operation and its arguments. */
public sealed interface Input {

    /** Which {@link Output}s can answer this input. */
    boolean accepts(Output output);

    /** PUT: sets the value; answered by {@link Output.Value} holding the previous value. */
    record Put(ByteString value) implements Input {
        public Put {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean accepts(Output output) {
            return output instanceof Output.Value;
        }

        @Override
        public String toString() {
            return "put(" + Keys.describe(value) + ")";
        }
    }

    /** GET: reads the value; answered by {@link Output.Value} holding the current value. */
    record Get() implements Input {
        @Override
        public boolean accepts(Output output) {
            return output instanceof Output.Value;
        }

        @Override
        public String toString() {
            return "get()";
        }
    }

    /** DELETE: removes the value; answered by {@link Output.Value} holding the previous value. */
    record Delete() implements Input {
        @Override
        public boolean accepts(Output output) {
            return output instanceof Output.Value;
        }

        @Override
        public String toString() {
            return "delete()";
        }
    }

    /** ADD: answered by {@link Output.Number}, {@link Output.NotANumber} or {@link Output.Overflow}. */
    record Add(long delta) implements Input {
        @Override
        public boolean accepts(Output output) {
            return output instanceof Output.Number || output instanceof Output.NotANumber
                    || output instanceof Output.Overflow;
        }

        @Override
        public String toString() {
            return "add(" + delta + ")";
        }
    }

    /**
     * CAS: sets {@code newValue} if the key is absent ({@code expectAbsent}) or holds
     * {@code expected}; answered by {@link Output.CasOk} or {@link Output.CasMismatch}.
     */
    record CompareAndSet(boolean expectAbsent, ByteString expected, ByteString newValue) implements Input {
        public CompareAndSet {
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(newValue, "newValue");
        }

        @Override
        public boolean accepts(Output output) {
            return output instanceof Output.CasOk || output instanceof Output.CasMismatch;
        }

        @Override
        public String toString() {
            return "cas(" + (expectAbsent ? "absent" : Keys.describe(expected)) + " -> " + Keys.describe(newValue) + ")";
        }
    }

    static Input put(ByteString value) {
        return new Put(value);
    }

    static Input get() {
        return new Get();
    }

    static Input delete() {
        return new Delete();
    }

    static Input add(long delta) {
        return new Add(delta);
    }

    static Input casAbsent(ByteString newValue) {
        return new CompareAndSet(true, ByteString.EMPTY, newValue);
    }

    static Input cas(ByteString expected, ByteString newValue) {
        return new CompareAndSet(false, expected, newValue);
    }

    /**
     * The input of a data command of the state machine's log.
     *
     * @throws IllegalArgumentException for commands that are not PUT, DELETE, ADD or CAS
     */
    static Input of(Command command) {
        return switch (command.getOpCase()) {
            case PUT -> put(command.getPut().getValue());
            case DELETE -> delete();
            case ADD -> add(command.getAdd().getDelta());
            case COMPARE_AND_SET -> new CompareAndSet(command.getCompareAndSet().getExpectAbsent(),
                    command.getCompareAndSet().getExpectedValue(), command.getCompareAndSet().getNewValue());
            default -> throw new IllegalArgumentException("not a single-key data command: " + command.getOpCase());
        };
    }

    /** The key of a data command; see {@link #of(Command)}. */
    static ByteString keyOf(Command command) {
        return switch (command.getOpCase()) {
            case PUT -> command.getPut().getKey();
            case DELETE -> command.getDelete().getKey();
            case ADD -> command.getAdd().getKey();
            case COMPARE_AND_SET -> command.getCompareAndSet().getKey();
            default -> throw new IllegalArgumentException("not a single-key data command: " + command.getOpCase());
        };
    }
}
