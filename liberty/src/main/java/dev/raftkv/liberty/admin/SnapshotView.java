package dev.raftkv.liberty.admin;

import dev.raftkv.server.SnapshotInfo;

/**
 * A snapshot file of the answering node.
 *
 * @param index the last log index it covers
 * @param term the term of that entry
 * @param createdMillis when it was written (epoch milliseconds)
 * @param file the file's name in the node's {@code snapshots/} directory
 */
public record SnapshotView(long index, long term, long sizeBytes, long createdMillis, String file) {

    static SnapshotView of(SnapshotInfo info) {
        return new SnapshotView(info.index(), info.term(), info.sizeBytes(), info.createdMillis(),
                info.file().getFileName().toString());
    }
}
