package dev.raftkv.storage.chronicle;

/**
 * Where each held entry lives in the queue (its Chronicle index) and its term, for
 * Raft indexes {@code first .. last}: two growable arrays that drop a prefix by moving
 * a start offset and a suffix by moving the end. Location -1 marks an entry that lives
 * in a cycle file no longer present (legal only below the snapshot index). Not
 * thread-safe.
 */
final class EntryLocations {

    static final long MISSING = -1;

    private long[] locations = new long[1024];
    private long[] terms = new long[1024];
    /** Raft index of array slot {@code start}. */
    private long first = 1;
    private int start;
    private int size;

    long first() {
        return first;
    }

    /** Index of the last entry held, {@code first() - 1} when none. */
    long last() {
        return first + size - 1;
    }

    long location(long index) {
        return locations[slot(index)];
    }

    long term(long index) {
        return terms[slot(index)];
    }

    /** Drops every entry and makes the next one {@code nextIndex}. */
    void clear(long nextIndex) {
        first = nextIndex;
        start = 0;
        size = 0;
    }

    /** Drops entries at and after {@code index} (no-op past the end). */
    void truncateFrom(long index) {
        if (index <= first) {
            size = 0;
            first = Math.max(first, index);
        } else if (index <= last()) {
            size = (int) (index - first);
        }
    }

    /** Drops entries up to and including {@code index}. */
    void dropThrough(long index) {
        if (index >= last()) {
            clear(Math.max(index + 1, first));
            return;
        }
        if (index < first) {
            return;
        }
        int dropped = (int) (index + 1 - first);
        start += dropped;
        size -= dropped;
        first = index + 1;
    }

    /** Adds the entry {@code last() + 1}. */
    void add(long location, long term) {
        if (start + size == locations.length) {
            if (size < locations.length / 2) {
                System.arraycopy(locations, start, locations, 0, size);
                System.arraycopy(terms, start, terms, 0, size);
            } else {
                long[] grownLocations = new long[locations.length * 2];
                long[] grownTerms = new long[terms.length * 2];
                System.arraycopy(locations, start, grownLocations, 0, size);
                System.arraycopy(terms, start, grownTerms, 0, size);
                locations = grownLocations;
                terms = grownTerms;
            }
            start = 0;
        }
        locations[start + size] = location;
        terms[start + size] = term;
        size++;
    }

    /** The lowest index at or after {@code from} whose location is missing, or -1. */
    long firstMissing(long from) {
        for (long index = Math.max(from, first); index <= last(); index++) {
            if (location(index) == MISSING) {
                return index;
            }
        }
        return -1;
    }

    private int slot(long index) {
        if (index < first || index > last()) {
            throw new IndexOutOfBoundsException("index " + index + " not in [" + first + ", " + last() + "]");
        }
        return start + (int) (index - first);
    }
}
