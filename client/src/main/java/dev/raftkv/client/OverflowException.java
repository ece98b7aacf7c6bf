package dev.raftkv.client;

import io.grpc.Status;

/** An ADD whose result does not fit in a signed 64-bit integer; the key is unchanged. */
public final class OverflowException extends RaftKvException {

    private static final long serialVersionUID = 1L;

    public OverflowException(String message, Status.Code statusCode) {
        super(message, statusCode, null);
    }
}
