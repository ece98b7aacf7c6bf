package dev.raftkv.storage;

/**
 * Stored data failed its checksum or could not be decoded somewhere before the end
 * of the log, where a torn write cannot explain it. The message names the file and
 * the log index (or offset) affected. Opening a store that finds such a record fails:
 * acknowledged entries are never silently dropped.
 */
public class CorruptLogException extends StorageException {

    private static final long serialVersionUID = 1L;

    public CorruptLogException(String message) {
        super(message);
    }

    public CorruptLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
