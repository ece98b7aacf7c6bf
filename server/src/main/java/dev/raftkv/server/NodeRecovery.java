package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Start-up: opens a node's log (refusing one another backend wrote), loads the newest
 * snapshot that passes its checks and builds the Raft core on the two. Runs once, on the
 * thread that starts the node, before the event loop exists.
 */
final class NodeRecovery {

    private static final Logger LOG = System.getLogger(NodeRecovery.class.getName());

    /**
     * What start-up found.
     *
     * @param snapshot the snapshot the state machine starts from, or null (then it starts empty)
     * @param timings how long each step took, for the start line of the transition log
     */
    record Recovered(LogStore store, SnapshotFiles snapshotFiles, SnapshotFiles.Loaded snapshot, RaftNode core,
                     String timings) {

        SnapshotMeta meta() {
            return snapshot == null ? null : snapshot.meta();
        }

        KvStateMachine stateMachine() {
            return snapshot == null ? new KvStateMachine() : snapshot.stateMachine();
        }
    }

    private NodeRecovery() {
    }

    /**
     * @throws ConfigException if the data directory holds another backend's log
     * @throws StorageException if the log cannot be opened, or the log and the snapshots
     *     together do not hold a consistent state (the log is closed again)
     */
    static Recovered recover(NodeConfig config, DataDirectory data, RandomGenerator random, TimeSource time,
                             TransitionLog transitions) {
        LogStoreProvider backend = WalBackends.check(data, config.walBackend());
        SnapshotFiles snapshotFiles = new SnapshotFiles(data.snapshots(), config.snapshots().retain());
        snapshotFiles.deleteTemporaryFiles();
        long openStart = time.nanoTime();
        LogStore store = backend.open(data.wal());
        long opened = time.nanoTime();
        try {
            SnapshotFiles.Loaded loaded = loadNewestSnapshot(config.nodeId(), store, snapshotFiles, transitions);
            SnapshotMeta snapshot = loaded == null ? null : loaded.meta();
            // A joining node starts with no voters: the configuration comes from the cluster's log.
            List<String> voters = config.join() != null ? List.of() : List.copyOf(config.members().keySet());
            RaftConfig raftConfig = RaftConfig.defaults(config.nodeId(), voters, random)
                    .withTicks(config.electionTicks(), config.heartbeatTicks());
            if (snapshot != null) {
                raftConfig = raftConfig.withAppliedIndex(snapshot.getIndex());
            }
            long restored = time.nanoTime();
            RaftNode core;
            try {
                core = new RaftNode(raftConfig, store, snapshot);
            } catch (IllegalStateException e) {
                throw new StorageException("node " + config.nodeId() + " cannot start on " + data.root() + ": "
                        + e.getMessage() + "; restore the data directory from a backup, or delete it and start the"
                        + " node again to let it catch up from the leader by snapshot", e);
            }
            long built = time.nanoTime();
            String timings = String.format("log_open_ms=%d snapshot_load_ms=%d core_ms=%d",
                    (opened - openStart) / 1_000_000, (restored - opened) / 1_000_000, (built - restored) / 1_000_000);
            return new Recovered(store, snapshotFiles, loaded, core, timings);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Loads the newest snapshot that passes its checks. A corrupt one is reported and set
     * aside ({@code .corrupt}); an older one is used only if the log still holds every
     * entry after it.
     *
     * @return null when there is no snapshot and the log starts at index 1
     * @throws StorageException if the log starts after every valid snapshot
     */
    private static SnapshotFiles.Loaded loadNewestSnapshot(String nodeId, LogStore log, SnapshotFiles snapshotFiles,
                                                           TransitionLog transitions) {
        long needed = log.firstIndex() - 1;
        SnapshotCorruptException corrupt = null;
        for (SnapshotInfo info : snapshotFiles.list()) {
            SnapshotFiles.Loaded loaded;
            try {
                loaded = SnapshotFiles.load(info.file(), SessionLimits.DEFAULT);
            } catch (SnapshotCorruptException e) {
                LOG.log(Level.ERROR, "node " + nodeId + ": " + e.getMessage());
                transitions.event("snapshot-corrupt", 0, "file=" + info.file().getFileName() + " reason=\""
                        + e.getMessage() + "\"");
                setAside(info.file());
                corrupt = corrupt == null ? e : corrupt;
                continue;
            }
            if (loaded.meta().getIndex() < needed) {
                throw new StorageException("node " + nodeId + " cannot restore its state: the newest valid"
                        + " snapshot " + info.file() + " stands at index " + loaded.meta().getIndex() + " but the log"
                        + " starts at index " + (needed + 1) + ", so the entries between are gone"
                        + (corrupt == null ? "" : " (" + corrupt.getMessage() + ")")
                        + "; restore the data directory from a backup or let the node rejoin empty");
            }
            if (corrupt != null) {
                LOG.log(Level.WARNING, "node " + nodeId + ": using the older snapshot at index "
                        + loaded.meta().getIndex() + "; the log holds every entry after it");
            }
            return loaded;
        }
        if (needed > 0) {
            throw new StorageException("node " + nodeId + " cannot restore its state: the log starts at index "
                    + (needed + 1) + " but no valid snapshot covers the entries before it"
                    + (corrupt == null ? "" : " (" + corrupt.getMessage() + ")"));
        }
        return null;
    }

    private static void setAside(Path file) {
        try {
            Files.move(file, file.resolveSibling(file.getFileName() + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot rename corrupt snapshot " + file + ": " + e.getMessage());
        }
    }
}
