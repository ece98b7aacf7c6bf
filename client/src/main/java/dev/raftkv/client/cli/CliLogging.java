package dev.raftkv.client.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging of the {@code raftkv} process. gRPC logs every failed name resolution and connection
 * attempt as a WARNING with a stack trace (about 80 lines for an unresolvable host within the
 * default timeout), although the command's own error line already says what failed (the status
 * of the last attempt, e.g. "UNAVAILABLE: Unable to resolve host ..."). So gRPC's loggers are
 * turned off, unless the user configured java.util.logging themselves
 * ({@code -Djava.util.logging.config.file=...}, e.g. to see gRPC's messages).
 *
 * <p>Only the CLI's {@code main} does this; the client library leaves logging to its application.
 */
final class CliLogging {

    /** Held strongly: java.util.logging keeps loggers weakly, and a collected one would lose its level. */
    private static final Logger GRPC = Logger.getLogger("io.grpc");

    private CliLogging() {
    }

    static void quietGrpc() {
        if (System.getProperty("java.util.logging.config.file") == null
                && System.getProperty("java.util.logging.config.class") == null) {
            GRPC.setLevel(Level.OFF);
        }
    }
}
