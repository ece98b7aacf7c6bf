package dev.raftkv.server;

import dev.raftkv.proto.SnapshotMeta;

/**
 * InstallSnapshot to a follower (thesis §5.4.3 / paper §7), as {@link SnapshotSteps} starts
 * it when the core names a follower that needs a snapshot. Production: the
 * {@link SnapshotSender} streaming the file over gRPC; the simulator streams its own.
 *
 * <p>Contract: {@link #send} is called on the event loop and never blocks; the transfer
 * runs elsewhere and its end (taken or not) is reported back to the loop, which tells the
 * core ({@code reportSnapshot}). A newer call for the same follower replaces a transfer
 * still running. Failures are reported, never thrown: the core sends again later.
 */
interface SnapshotTransfer {

    /** Streams the held snapshot at {@code meta} to {@code to}, in {@code term}. */
    void send(String to, SnapshotMeta meta, long term);
}
