package dev.raftkv.client;

import io.grpc.Status;

/**
 * The server refused the request as malformed ({@code INVALID_ARGUMENT}: an empty key, a key
 * or value over the size limit, ...). Nothing reached the log; the client never retries it.
 * The message is the server's description, which names the field and the limit.
 */
public final class InvalidArgumentException extends RaftKvException {

    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String serverMessage, Throwable cause) {
        super(serverMessage, Status.Code.INVALID_ARGUMENT, cause);
    }
}
