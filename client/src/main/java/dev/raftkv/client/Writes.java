package dev.raftkv.client;

import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.WriteHeader;
import dev.raftkv.proto.WriteResponse;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Runs writes under the client's session: each write takes the next sequence number, keeps
 * it (and the session id) across all its attempts, and releases it when it has a final
 * answer. Thread-safe.
 *
 * <p>SESSION_EXPIRED: when no earlier attempt may have applied the write, the session is
 * replaced and the write runs again under the new session with a new sequence (at most
 * {@value #MAX_SESSION_REOPENS} times, within the same operation deadline); otherwise the
 * write fails with {@link OutcomeUnknownException}. Either way later writes use a new session.
 */
final class Writes {

    static final int MAX_SESSION_REOPENS = 3;

    private final Caller caller;
    private final SessionManager sessions;

    Writes(Caller caller, SessionManager sessions) {
        this.caller = caller;
        this.sessions = sessions;
    }

    <Q, T> CompletableFuture<T> run(MethodDescriptor<Q, WriteResponse> method, Function<WriteHeader, Q> request,
            Function<CommandResult, T> result) {
        return Futures.unwrapped(run(method, request, result, caller.newOperationDeadline(), 0));
    }

    private <Q, T> CompletableFuture<T> run(MethodDescriptor<Q, WriteResponse> method, Function<WriteHeader, Q> request,
            Function<CommandResult, T> result, Deadline operationDeadline, int reopens) {
        return sessions.current().thenCompose(session -> {
            long sequence = session.begin();
            CompletableFuture<T> written = caller.call(true, null, operationDeadline, method,
                    () -> request.apply(session.header(sequence)), WriteResponse::getHeader, Answers.write(result));
            return written.handle((value, error) -> {
                session.end(sequence);
                if (error == null) {
                    return CompletableFuture.completedFuture(value);
                }
                Throwable cause = Futures.unwrap(error);
                if (!(cause instanceof SessionExpiredSignal expired)) {
                    return CompletableFuture.<T>failedFuture(cause);
                }
                sessions.invalidate(session);
                if (expired.earlierMaybeApplied()) {
                    return CompletableFuture.<T>failedFuture(new OutcomeUnknownException(
                            "session " + session.sessionId() + " expired while the write (sequence " + sequence
                                    + ") was being retried, so the server can no longer tell whether an earlier "
                                    + "attempt applied it (" + expired.getMessage() + ")",
                            expired.statusCode(), null));
                }
                if (reopens >= MAX_SESSION_REOPENS) {
                    return CompletableFuture.<T>failedFuture(new RaftKvException("the session expired "
                            + (reopens + 1) + " times in a row; the write was not applied (" + expired.getMessage() + ")",
                            Status.Code.FAILED_PRECONDITION, null));
                }
                return run(method, request, result, operationDeadline, reopens + 1);
            }).thenCompose(Function.identity());
        });
    }
}
