package dev.raftkv.storage;

import java.nio.file.Path;

/**
 * Asks the operating system whether a store's files still hold data that only the
 * page cache has: the number of dirty or under-writeback pages of its files. A
 * backend module may give the crash test's child one (by class name), and the child
 * checks that the answer is 0 right after every {@link LogStore#sync()}: evidence that
 * a sync put the bytes on the device, which a kill -9 alone cannot show.
 */
public interface SyncProbe {

    /** Pages of the store's files in {@code directory} not yet written back; -1 if the kernel cannot tell. */
    long unwrittenPages(Path directory);
}
