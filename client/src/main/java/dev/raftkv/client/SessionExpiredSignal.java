package dev.raftkv.client;

import io.grpc.Status;

/**
 * Internal: an attempt of a write met SESSION_EXPIRED. {@link Writes} replaces the session
 * and either restarts the write under the new one (when no earlier attempt may have
 * applied) or reports an {@link OutcomeUnknownException}. Never reaches the caller.
 */
final class SessionExpiredSignal extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code statusCode;
    private final boolean earlierMaybeApplied;

    SessionExpiredSignal(String message, Status.Code statusCode, boolean earlierMaybeApplied) {
        super(message, null, false, false);
        this.statusCode = statusCode;
        this.earlierMaybeApplied = earlierMaybeApplied;
    }

    Status.Code statusCode() {
        return statusCode;
    }

    boolean earlierMaybeApplied() {
        return earlierMaybeApplied;
    }
}
