package dev.raftkv.server;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.storage.LogStore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * What the event loop does with snapshots: streams the one the core names to a
 * follower, installs one the core accepted from the leader, and registers one this node
 * wrote (then compacts the log behind it).
 *
 * <p>Owned by the event loop: not thread-safe.
 */
final class SnapshotSteps {

    private static final Logger LOG = System.getLogger(SnapshotSteps.class.getName());

    private final NodeConfig config;
    private final RaftNode core;
    private final LogStore store;
    private final Applier applier;
    private final SnapshotFiles files;
    private final TransitionLog transitions;
    private final BiConsumer<String, Boolean> report;
    private SnapshotSender sender;
    /** The snapshot the state machine was loaded from at start, until the core no longer needs it handed back. */
    private SnapshotMeta restoredAtStart;

    /**
     * @param report tells the core, later on the loop, how a stream to a follower ended
     */
    SnapshotSteps(NodeConfig config, RaftNode core, LogStore store, Applier applier, SnapshotFiles files,
                  TransitionLog transitions, SnapshotMeta restoredAtStart, BiConsumer<String, Boolean> report) {
        this.config = config;
        this.core = core;
        this.store = store;
        this.applier = applier;
        this.files = files;
        this.transitions = transitions;
        this.restoredAtStart = restoredAtStart;
        this.report = report;
    }

    void sender(SnapshotSender sender) {
        this.sender = sender;
    }

    /** The core asks to send its snapshot to {@code m.getTo()}: streamed from its file by the {@link SnapshotSender}. */
    void send(Message m) {
        Path file = files.dir().resolve(SnapshotFiles.name(m.getSnapshot()));
        if (Files.exists(file)) {
            sender.send(m.getTo(), file, m.getSnapshot(), m.getTerm());
        } else {
            LOG.log(Level.WARNING, "node " + config.nodeId() + ": snapshot file " + file + " for " + m.getTo()
                    + " is gone");
            report.accept(m.getTo(), false);
        }
    }

    /**
     * Installs a snapshot the core accepted from the leader: the state machine is
     * replaced from its file (on the apply thread, after what was queued before) and the
     * log restarts after it. At start-up the core may hand back the snapshot the state
     * machine was just loaded from, when the log does not hold its index: then only
     * the log is reset.
     */
    void install(SnapshotMeta meta) {
        if (!meta.equals(restoredAtStart)) {
            Path file = files.dir().resolve(SnapshotFiles.name(meta));
            applier.restore(file.toString(), limits -> SnapshotFiles.load(file, limits), meta.getIndex(),
                    meta.getTerm());
        }
        restoredAtStart = null;
        store.reset(meta.getIndex(), meta.getTerm());
        transitions.event("snapshot-install", core.term(), "index=" + meta.getIndex() + " term=" + meta.getTerm()
                + " voters=" + meta.getConf().getVotersList() + " learners=" + meta.getConf().getLearnersList());
    }

    /** A snapshot file this node wrote is durable: the core may now send it, and the log is compacted behind it. */
    void written(SnapshotInfo info, SnapshotMeta meta) {
        SnapshotMeta latest = core.latestSnapshot();
        if ((latest != null && latest.getIndex() >= meta.getIndex()) || meta.getIndex() < core.firstIndex() - 1) {
            return;
        }
        core.snapshotTaken(meta);
        long compactTo = meta.getIndex() - config.snapshots().compactionTail();
        if (compactTo > store.firstIndex() - 1) {
            store.compact(compactTo);
            store.sync();
        }
        transitions.event("snapshot", core.term(), "index=" + meta.getIndex() + " bytes=" + info.sizeBytes()
                + " log_first_index=" + store.firstIndex());
    }
}
