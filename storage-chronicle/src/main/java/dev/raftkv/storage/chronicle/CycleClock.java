package dev.raftkv.storage.chronicle;

import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The time Chronicle Queue sees, which only says which cycle file to append to:
 * cycle {@code n} is day {@code n} after 1970-01-01 of the daily roll cycle. The store
 * advances it when the current file has reached its size, so files roll by size, not
 * by wall-clock time, and cycle numbers are contiguous. Read by Chronicle on the
 * appending thread; set by the store on the same thread.
 */
final class CycleClock implements TimeProvider {

    private static final long DAY_MILLIS = 24L * 60 * 60 * 1000;

    volatile int cycle;

    @Override
    public long currentTimeMillis() {
        return cycle * DAY_MILLIS;
    }
}
