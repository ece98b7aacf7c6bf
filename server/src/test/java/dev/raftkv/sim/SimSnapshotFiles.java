package dev.raftkv.sim;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulated node's snapshot "files": those it wrote or installed (the newest two are
 * kept; they survive crashes whole, as the production temp-file-and-rename does) and
 * the verified ones received from a leader but not installed yet, kept by their meta as
 * the production driver keeps each received file under its own name: the core may accept
 * one, and while that waits for the next batch, ignore a later, older one (seed 67075),
 * so a later arrival must not replace an earlier one. Received ones are lost in a crash.
 */
final class SimSnapshotFiles {

    private final Map<SnapshotMeta, StoredSnapshot> held = new LinkedHashMap<>();
    private final Map<SnapshotMeta, StoredSnapshot> received = new LinkedHashMap<>();
    private StoredSnapshot newest;

    /** The newest snapshot written or installed, or null. */
    StoredSnapshot newest() {
        return newest;
    }

    void received(StoredSnapshot snapshot) {
        received.put(snapshot.meta(), snapshot);
    }

    /** The held or received snapshot at {@code meta}, or null. */
    StoredSnapshot get(SnapshotMeta meta) {
        StoredSnapshot stored = held.get(meta);
        return stored != null ? stored : received.get(meta);
    }

    /** Keeps {@code stored} (written here, or installed) and drops the received ones it supersedes. */
    void keep(StoredSnapshot stored) {
        held.remove(stored.meta());
        held.put(stored.meta(), stored);
        while (held.size() > 2) {
            held.remove(held.keySet().stream().min(Comparator.comparingLong(SnapshotMeta::getIndex)).orElseThrow());
        }
        if (newest == null || stored.index() >= newest.index()) {
            newest = stored;
        }
        received.keySet().removeIf(m -> m.getIndex() <= stored.index());
    }

    /** The held snapshots, newest first. */
    List<SnapshotMeta> held() {
        List<SnapshotMeta> newestFirst = new ArrayList<>(held.keySet());
        newestFirst.sort(Comparator.comparingLong(SnapshotMeta::getIndex).reversed());
        return newestFirst;
    }

    /** A crash: received snapshots are gone. */
    void crash() {
        received.clear();
    }

    /** The state machine the snapshot holds, its checksum verified. */
    static KvStateMachine restore(StoredSnapshot snapshot) {
        if (StoredSnapshot.crc(snapshot.data()) != snapshot.crc32c()) {
            throw new IllegalStateException("snapshot " + snapshot.index() + " fails its checksum");
        }
        try {
            return KvStateMachine.readSnapshot(new ByteArrayInputStream(snapshot.data()), SessionLimits.DEFAULT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
