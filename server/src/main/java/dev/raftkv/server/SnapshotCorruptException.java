package dev.raftkv.server;

import dev.raftkv.storage.StorageException;
import java.nio.file.Path;

/** A snapshot file fails its checks: it is reported, never used. */
public class SnapshotCorruptException extends StorageException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public SnapshotCorruptException(Path file, String why) {
        super("snapshot " + file + " is corrupt: " + why, null);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
