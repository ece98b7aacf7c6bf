package dev.raftkv.storage.chronicle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * The cycle files a {@link ChronicleLogStore} wrote since its last sync, and how they are
 * made durable: {@code fdatasync} of each ({@link FileChannel#force force(false)}), plus
 * Chronicle's metadata file and the directory when a cycle file was created. A channel
 * stays open on the current cycle's file; the others are closed once synced.
 *
 * <p>Owned by the store's thread, like the store.
 */
final class CycleFiles {

    private static final System.Logger LOG = System.getLogger(CycleFiles.class.getName());

    private final Path directory;
    private final Map<Integer, FileChannel> unsynced = new TreeMap<>();
    private boolean newCycleFile;
    private boolean written;

    CycleFiles(Path directory) {
        this.directory = directory;
    }

    /** A record went into {@code fileName} of {@code cycle}. */
    void written(int cycle, String fileName) throws IOException {
        if (!unsynced.containsKey(cycle)) {
            unsynced.put(cycle, FileChannel.open(directory.resolve(fileName), StandardOpenOption.READ));
        }
        written = true;
    }

    /** A new cycle file was started: the next sync covers the directory and the metadata file too. */
    void cycleCreated() {
        newCycleFile = true;
    }

    boolean dirty() {
        return written;
    }

    Set<Integer> cycles() {
        return unsynced.keySet();
    }

    /**
     * The channel of {@code currentCycle}'s file if it is all a sync has to force (no other
     * cycle written, no file created), else null. Its force then covers everything written:
     * the files count as synced from here, and the channel stays open.
     */
    FileChannel takeCurrentOnly(int currentCycle) {
        if (!written || newCycleFile || unsynced.size() != 1 || !unsynced.containsKey(currentCycle)) {
            return null;
        }
        written = false;
        return unsynced.get(currentCycle);
    }

    /** Forces every file written since the last sync; closes the channels of cycles before {@code currentCycle}. */
    void sync(int currentCycle) throws IOException {
        if (!written) {
            return;
        }
        written = false;
        for (FileChannel channel : unsynced.values()) {
            channel.force(false);
        }
        if (newCycleFile) {
            try (FileChannel metadata = FileChannel.open(directory.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE),
                    StandardOpenOption.READ)) {
                metadata.force(false);
            }
            forceDirectory();
            newCycleFile = false;
        }
        for (var it = unsynced.entrySet().iterator(); it.hasNext();) {
            var cycleAndChannel = it.next();
            if (cycleAndChannel.getKey() != currentCycle) {
                cycleAndChannel.getValue().close();
                it.remove();
            }
        }
    }

    void forceDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    void close() {
        for (FileChannel channel : unsynced.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a cycle file channel: {0}", e);
            }
        }
        unsynced.clear();
    }
}
