package dev.raftkv.client;

import io.grpc.Status;

/**
 * A write whose outcome is unknown: it may have been applied once, or not at all, and the
 * client has given up finding out. It is never applied twice. It happens when
 *
 * <ul>
 *   <li>the operation timeout ran out after an attempt that may have reached the leader
 *       (a lost reply, a call deadline, a node that failed mid-call);</li>
 *   <li>the session expired while the write was being retried: the server forgot the
 *       session's results, so it can no longer tell whether the earlier attempt applied;</li>
 *   <li>the server answered an attempt with an unexpected error after an earlier attempt
 *       may have applied.</li>
 * </ul>
 *
 * <p>Read the key to learn the current state before deciding what to do.
 */
public final class OutcomeUnknownException extends RaftKvException {

    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message, Status.Code statusCode, Throwable cause) {
        super("outcome unknown: " + message, statusCode, cause);
    }
}
