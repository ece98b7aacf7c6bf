package dev.raftkv.server;

import io.grpc.Status;

/**
 * A request the node could not carry out, with the gRPC status that says why (for
 * example UNAVAILABLE during an election, with the last known leader).
 */
public class RequestFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Status status;
    private final String leaderId;

    public RequestFailedException(Status status, String leaderId) {
        super(status.getCode() + ": " + status.getDescription(), null, false, false);
        this.status = status;
        this.leaderId = leaderId;
    }

    public Status status() {
        return status;
    }

    /** The leader known when the request failed, or null. */
    public String leaderId() {
        return leaderId;
    }
}
