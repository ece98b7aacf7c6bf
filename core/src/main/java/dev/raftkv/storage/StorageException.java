package dev.raftkv.storage;

/**
 * A storage operation failed: the durability promises of the store no longer hold
 * and the node that owns it must stop. Never caught to carry on.
 */
public class StorageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
