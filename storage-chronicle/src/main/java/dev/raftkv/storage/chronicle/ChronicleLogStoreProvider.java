package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

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

    /** Chronicle Queue's metadata file ({@code metadata.cq4t}) or a cycle file ({@code *.cq4}). */
    @Override
    public boolean recognises(Path directory) {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString())
                    .anyMatch(n -> n.equals(SingleChronicleQueue.QUEUE_METADATA_FILE)
                            || n.endsWith(SingleChronicleQueue.SUFFIX));
        } catch (IOException e) {
            throw new StorageException("cannot list " + directory + ": " + e.getMessage(), e);
        }
    }
}
