package dev.raftkv.client;

import io.grpc.Status;

/** An ADD on a value that is not the decimal text of a signed 64-bit integer; the key is unchanged. */
public final class NotANumberException extends RaftKvException {

    private static final long serialVersionUID = 1L;

    public NotANumberException(String message, Status.Code statusCode) {
        super(message, statusCode, null);
    }
}
