package dev.raftkv.client;

import io.grpc.Status;

/**
 * No node served the request within the operation timeout (every attempt met
 * {@code UNAVAILABLE}, {@code RESOURCE_EXHAUSTED}, a call deadline or a refused
 * connection). For a write this is only reported when no attempt can have been applied
 * (every one was refused by a full proposal queue or never left the client); otherwise it
 * is an {@link OutcomeUnknownException}.
 */
public final class UnavailableException extends RaftKvException {

    private static final long serialVersionUID = 1L;

    public UnavailableException(String message, Status.Code lastStatusCode, Throwable cause) {
        super(message, lastStatusCode, cause);
    }
}
