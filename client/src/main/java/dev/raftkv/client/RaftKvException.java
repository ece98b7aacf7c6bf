package dev.raftkv.client;

import io.grpc.Status;

/**
 * Base of every failure the client reports. Unchecked: the async API completes its futures
 * exceptionally with a subclass, and {@link BlockingRaftKvClient} throws it as is.
 *
 * <p>Subclasses say what is known about a write: the state machine refused it after
 * applying it ({@link CasMismatchException}, {@link NotANumberException},
 * {@link OverflowException}: applied, no effect), the server refused it before the log
 * ({@link InvalidArgumentException}: not applied), or nobody knows
 * ({@link OutcomeUnknownException}). A plain {@code RaftKvException} carries the gRPC
 * status the client did not expect ({@link #statusCode()}).
 */
public class RaftKvException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code statusCode;

    public RaftKvException(String message, Throwable cause) {
        this(message, Status.Code.UNKNOWN, cause);
    }

    public RaftKvException(String message, Status.Code statusCode, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
    }

    /** The gRPC status code behind the failure; {@code UNKNOWN} when none applies. */
    public Status.Code statusCode() {
        return statusCode;
    }
}
