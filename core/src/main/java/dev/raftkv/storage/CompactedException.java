package dev.raftkv.storage;

/**
 * The requested index lies before the snapshot index: its entry was compacted away.
 * The leader answers this by sending a snapshot instead of entries (§7).
 */
public class CompactedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long index;
    private final long firstIndex;

    public CompactedException(long index, long firstIndex) {
        super("log index " + index + " is compacted; the log starts at " + firstIndex);
        this.index = index;
        this.firstIndex = firstIndex;
    }

    public long index() {
        return index;
    }

    public long firstIndex() {
        return firstIndex;
    }
}
