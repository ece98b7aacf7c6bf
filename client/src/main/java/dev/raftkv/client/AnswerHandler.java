package dev.raftkv.client;

import io.grpc.StatusRuntimeException;

/**
 * Turns the final answer of one attempt into the operation's result. The {@link RetryLoop}
 * calls it on a gRPC callback thread for answers it does not retry itself; it must not block.
 *
 * @param <R> the gRPC response type
 * @param <T> the operation's result type
 */
interface AnswerHandler<R, T> {

    /** The result of a response; throws the operation's failure when the response is one. */
    T onResponse(R response, Attempt attempt);

    /** The failure of an answer that is not retried ({@code INVALID_ARGUMENT}, a command result, ...). */
    RuntimeException onError(StatusRuntimeException error, Attempt attempt);
}
