package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import java.nio.file.Path;

/**
 * The {@code chronicle} backend, found by {@link java.util.ServiceLoader}. The JVM that
 * runs it needs the options of {@link ChronicleJvmOptions}. The size at which cycle
 * files roll may be set with the system property {@value #SEGMENT_BYTES} (bytes,
 * default 64 MiB).
 */
public final class ChronicleLogStoreProvider implements LogStoreProvider {

    /** System property: bytes of records after which a cycle file rolls. */
    public static final String SEGMENT_BYTES = "raftkv.wal.segmentBytes";

    @Override
    public String name() {
        return "chronicle";
    }

    @Override
    public LogStore open(Path directory) {
        long segmentBytes = Long.getLong(SEGMENT_BYTES, ChronicleLogStore.Options.DEFAULT.segmentBytes());
        if (segmentBytes <= 0) {
            throw new IllegalArgumentException(SEGMENT_BYTES + ": must be positive, was " + segmentBytes);
        }
        return ChronicleLogStore.open(directory,
                new ChronicleLogStore.Options(segmentBytes, ChronicleLogStore.Options.DEFAULT.blockBytes()));
    }
}
