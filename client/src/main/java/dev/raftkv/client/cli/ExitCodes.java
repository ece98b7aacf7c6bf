package dev.raftkv.client.cli;

import dev.raftkv.client.CasMismatchException;
import dev.raftkv.client.InvalidArgumentException;
import dev.raftkv.client.NotANumberException;
import dev.raftkv.client.OutcomeUnknownException;
import dev.raftkv.client.OverflowException;
import dev.raftkv.client.UnavailableException;

/** The exit codes of {@code raftkv}; stable, scripts may test them. */
public final class ExitCodes {

    public static final int OK = 0;
    /** {@code get}: the key does not exist. */
    public static final int NOT_FOUND = 1;
    /** The command line was wrong (picocli's usage error code). */
    public static final int USAGE = 2;
    /** The state machine applied the command and refused it: CAS mismatch, not a number, overflow. */
    public static final int REJECTED = 3;
    /** The server refused the request as malformed (INVALID_ARGUMENT); nothing was applied. */
    public static final int INVALID_ARGUMENT = 4;
    /** No node answered within the timeout; a write was not applied. */
    public static final int UNAVAILABLE = 5;
    /** A write may or may not have been applied. */
    public static final int OUTCOME_UNKNOWN = 6;
    /** Anything else. */
    public static final int ERROR = 7;

    private ExitCodes() {
    }

    /** The exit code that reports {@code error}. */
    static int of(Throwable error) {
        if (error instanceof CasMismatchException || error instanceof NotANumberException
                || error instanceof OverflowException) {
            return REJECTED;
        }
        if (error instanceof InvalidArgumentException) {
            return INVALID_ARGUMENT;
        }
        if (error instanceof UnavailableException) {
            return UNAVAILABLE;
        }
        if (error instanceof OutcomeUnknownException) {
            return OUTCOME_UNKNOWN;
        }
        return ERROR;
    }
}
