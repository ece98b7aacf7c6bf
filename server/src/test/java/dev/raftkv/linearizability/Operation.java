package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import java.util.Objects;

/**
 * One client operation on one key as the client saw it: invoked at {@code callTime},
 * answered with {@code output} at {@code returnTime} (simulated time, any unit). An
 * operation whose client gave up waiting has an unknown outcome: {@code returnTime} is
 * {@link #UNKNOWN_RETURN} (+infinity) and {@code output} is null; it may have taken
 * effect at any time after its call, or never.
 *
 * <p>Build one with {@link #completed} or {@link #timedOut}, from an {@link Input} and
 * {@link Output} or straight from a log {@link Command} and its {@link CommandResult}:
 * <pre>{@code
 * Operation.completed(client, key, Input.put(v), Output.absent(), call, ret)     // put -> previous
 * Operation.completed(client, key, Input.get(), Output.value(v), call, ret)      // get -> value|absent
 * Operation.completed(client, key, Input.delete(), Output.value(prev), call, ret)
 * Operation.completed(client, key, Input.add(5), Output.number(7), call, ret)    // |notANumber|overflow
 * Operation.completed(client, key, Input.cas(a, b), Output.casOk(), call, ret)   // |casMismatch(current)
 * Operation.completed(client, key, Input.casAbsent(b), Output.casMismatch(a), call, ret)
 * Operation.completed(client, command, commandResult, call, ret)
 * Operation.timedOut(client, key, Input.put(v), call)
 * }</pre>
 *
 * @param clientId who invoked it; only for explanations, the checker does not assume
 *     a client's operations are sequential
 */
public record Operation(int clientId, ByteString key, Input input, Output output, long callTime, long returnTime) {

    /** The return time of an operation with an unknown outcome: never observed. */
    public static final long UNKNOWN_RETURN = Long.MAX_VALUE;

    public Operation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(input, "input");
        if ((returnTime == UNKNOWN_RETURN) != (output == null)) {
            throw new IllegalArgumentException("an operation has an output exactly when it returned: " + output
                    + " at " + returnTime);
        }
        if (returnTime < callTime) {
            throw new IllegalArgumentException("returned at " + returnTime + " before its call at " + callTime);
        }
        if (output != null && !input.accepts(output)) {
            throw new IllegalArgumentException(output + " cannot answer " + input);
        }
    }

    public static Operation completed(int clientId, ByteString key, Input input, Output output, long callTime,
            long returnTime) {
        return new Operation(clientId, key, input, Objects.requireNonNull(output, "output"), callTime, returnTime);
    }

    public static Operation timedOut(int clientId, ByteString key, Input input, long callTime) {
        return new Operation(clientId, key, input, null, callTime, UNKNOWN_RETURN);
    }

    /** A data command and the result the state machine gave for it; see {@link Output#of}. */
    public static Operation completed(int clientId, Command command, CommandResult result, long callTime,
            long returnTime) {
        Input input = Input.of(command);
        return completed(clientId, Input.keyOf(command), input, Output.of(input, result), callTime, returnTime);
    }

    /** A data command whose outcome the client never learned. */
    public static Operation timedOut(int clientId, Command command, long callTime) {
        return timedOut(clientId, Input.keyOf(command), Input.of(command), callTime);
    }

    public boolean outcomeUnknown() {
        return returnTime == UNKNOWN_RETURN;
    }

    @Override
    public String toString() {
        String verb = input instanceof Input.Put || input instanceof Input.Delete ? " -> was " : " -> ";
        return "c" + clientId + " " + Keys.describe(key) + " " + input + verb + (output == null ? "?" : output)
                + " [" + callTime + ", " + (outcomeUnknown() ? "inf" : Long.toString(returnTime)) + "]";
    }
}
