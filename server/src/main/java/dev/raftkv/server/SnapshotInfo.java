package dev.raftkv.server;

import java.nio.file.Path;

/**
 * A snapshot file this node holds.
 *
 * @param index the last log index the snapshot covers
 * @param term the term of that entry
 * @param sizeBytes the file's size
 * @param createdMillis when the file was written (epoch milliseconds)
 * @param file where it is
 */
public record SnapshotInfo(long index, long term, long sizeBytes, long createdMillis, Path file) {
}
