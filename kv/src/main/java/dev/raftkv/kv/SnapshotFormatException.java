package dev.raftkv.kv;

import java.io.IOException;

/**
 * The bytes given to {@link KvStateMachine#readSnapshot} are not a valid state machine
 * snapshot. The message says what is wrong and where: bad magic, unsupported version,
 * checksum mismatch (with the stored and the computed value), truncation, or malformed
 * content at a byte offset.
 */
public class SnapshotFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public SnapshotFormatException(String message) {
        super(message);
    }

    public SnapshotFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
