package dev.raftkv.client;

import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.Trailers;
import dev.raftkv.proto.WriteResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Function;

/** The {@link AnswerHandler}s of reads and writes: how final answers map to results and exceptions. */
final class Answers {

    private Answers() {
    }

    /** Reads (and OpenSession, Status): a response is the result; an error is reported as is. */
    static <R, T> AnswerHandler<R, T> read(Function<R, T> result) {
        return new AnswerHandler<>() {
            @Override
            public T onResponse(R response, Attempt attempt) {
                return result.apply(response);
            }

            @Override
            public RuntimeException onError(StatusRuntimeException error, Attempt attempt) {
                return plainError(error, attempt);
            }
        };
    }

    /**
     * Writes: an OK command result is mapped by {@code result}; an error result (in the
     * response or in the {@link Trailers#RESULT} trailer) becomes its typed exception.
     * SESSION_EXPIRED becomes the internal {@link SessionExpiredSignal}, which {@link Writes}
     * resolves.
     */
    static <T> AnswerHandler<WriteResponse, T> write(Function<CommandResult, T> result) {
        return new AnswerHandler<>() {
            @Override
            public T onResponse(WriteResponse response, Attempt attempt) {
                CommandResult commandResult = response.getResult();
                if (commandResult.getCode() != CommandResult.Code.OK) {
                    throw resultError(commandResult, Status.Code.FAILED_PRECONDITION, attempt);
                }
                return result.apply(commandResult);
            }

            @Override
            public RuntimeException onError(StatusRuntimeException error, Attempt attempt) {
                Metadata trailers = error.getTrailers();
                CommandResult commandResult = trailers == null ? null : trailers.get(Trailers.RESULT);
                if (commandResult != null && commandResult.getCode() != CommandResult.Code.OK) {
                    return resultError(commandResult, error.getStatus().getCode(), attempt);
                }
                return switch (error.getStatus().getCode()) {
                    case INVALID_ARGUMENT -> plainError(error, attempt);
                    // The attempt itself may have been applied before the failure.
                    case UNKNOWN, INTERNAL, CANCELLED, DATA_LOSS -> new OutcomeUnknownException(
                            describe(error, attempt), error.getStatus().getCode(), error);
                    default -> attempt.earlierMaybeApplied()
                            ? new OutcomeUnknownException(describe(error, attempt), error.getStatus().getCode(), error)
                            : plainError(error, attempt);
                };
            }
        };
    }

    static RuntimeException resultError(CommandResult result, Status.Code code, Attempt attempt) {
        String message = result.getMessage();
        return switch (result.getCode()) {
            case CAS_MISMATCH -> new CasMismatchException(
                    message.isEmpty() ? "compare-and-set expectation did not hold" : message,
                    result.getFound(), result.getValue());
            case NOT_A_NUMBER -> new NotANumberException(message.isEmpty() ? "value is not a number" : message, code);
            case OVERFLOW -> new OverflowException(message.isEmpty() ? "addition overflows 64 bits" : message, code);
            case SESSION_EXPIRED -> new SessionExpiredSignal(message, code, attempt.earlierMaybeApplied());
            case SEQUENCE_STALE -> new OutcomeUnknownException("the server already forgot the result of this "
                    + "write's sequence (" + message + ")", code, null);
            default -> new RaftKvException("unexpected command result " + result.getCode() + ": " + message, code, null);
        };
    }

    private static RuntimeException plainError(StatusRuntimeException error, Attempt attempt) {
        Status status = error.getStatus();
        if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
            return new InvalidArgumentException(
                    status.getDescription() == null ? "invalid argument" : status.getDescription(), error);
        }
        return new RaftKvException(describe(error, attempt), status.getCode(), error);
    }

    private static String describe(StatusRuntimeException error, Attempt attempt) {
        Status status = error.getStatus();
        return "node " + attempt.address() + " answered " + status.getCode()
                + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
