package dev.raftkv.server;

import dev.raftkv.proto.SnapshotMeta;
import java.util.List;

/**
 * The snapshots a node holds, as the {@link Snapshotter} writes them and
 * {@link SnapshotSteps} sends and installs them. Production: {@link SnapshotFiles}, files
 * in the data directory; the deterministic simulator keeps them in memory.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Durability.</b> When {@link #write} returns, the snapshot survives a crash whole;
 *       a crash during it leaves none under its name. A snapshot received from a leader is
 *       held ({@link #holds}) once verified.</li>
 *   <li><b>Threading and blocking.</b> Thread-safe. {@link #write} blocks for the I/O and is
 *       called only on the snapshot writer's thread; {@link #holds}, {@link #list} and
 *       {@link #source} return at once and may be called from the event loop.</li>
 *   <li><b>Failure.</b> {@link #write} throws {@link dev.raftkv.storage.StorageException} when
 *       it cannot make the snapshot durable; the source's {@code load} throws when the
 *       snapshot is gone or fails its checksum.</li>
 * </ul>
 */
interface SnapshotStore {

    /** Writes the snapshot at {@code meta} whose state machine part {@code body} writes; returns what was written. */
    SnapshotInfo write(SnapshotMeta meta, SnapshotFiles.BodyWriter body);

    /** The snapshots held, newest first. */
    List<SnapshotInfo> list();

    /** Whether the snapshot at {@code meta} is held (written here or received and verified). */
    boolean holds(SnapshotMeta meta);

    /** Where the apply thread loads the snapshot at {@code meta} from when it is installed. */
    Applier.SnapshotSource source(SnapshotMeta meta);

    /** A name for the snapshot at {@code meta} in messages (its file). */
    String describe(SnapshotMeta meta);
}
