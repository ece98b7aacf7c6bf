package dev.raftkv.server;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.storage.LogStore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What the event loop does with snapshots: streams the one the core names to a
 * follower, installs one the core accepted from the leader, and registers one this node
 * wrote (then compacts the log behind it).
 *
 * <p>Owned by the event loop: not thread-safe.
 */
final class SnapshotSteps {

    private static final Logger LOG = System.getLogger(SnapshotSteps.class.getName());

    private final String nodeId;
    private final long compactionTail;
    private final RaftNode core;
    private final LogStore store;
    private final Consumer<Runnable> whenIdle;
    private final Applier applier;
    private final SnapshotStore files;
    private final TransitionLog transitions;
    private final BiConsumer<String, Boolean> report;
    private SnapshotTransfer sender;
    /** The snapshot the state machine was loaded from at start, until the core no longer needs it handed back. */
    private SnapshotMeta restoredAtStart;

    /**
     * @param compactionTail entries kept in the log below a snapshot this node wrote, for slow followers
     * @param whenIdle runs a store change that must not overlap a sync in flight ({@link LogSync#whenIdle})
     * @param report tells the core, later on the loop, how a stream to a follower ended
     */
    SnapshotSteps(String nodeId, long compactionTail, RaftNode core, LogStore store, Consumer<Runnable> whenIdle,
                  Applier applier,
                  SnapshotStore files, TransitionLog transitions, SnapshotMeta restoredAtStart,
                  BiConsumer<String, Boolean> report) {
        this.nodeId = nodeId;
        this.compactionTail = compactionTail;
        this.core = core;
        this.store = store;
        this.whenIdle = whenIdle;
        this.applier = applier;
        this.files = files;
        this.transitions = transitions;
        this.restoredAtStart = restoredAtStart;
        this.report = report;
    }

    void sender(SnapshotTransfer sender) {
        this.sender = sender;
    }

    /** The core asks to send its snapshot to {@code m.getTo()}: streamed by the {@link SnapshotTransfer}. */
    void send(Message m) {
        if (files.holds(m.getSnapshot())) {
            sender.send(m.getTo(), m.getSnapshot(), m.getTerm());
        } else {
            LOG.log(Level.WARNING, "node " + nodeId + ": snapshot " + files.describe(m.getSnapshot()) + " for "
                    + m.getTo() + " is gone");
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
            applier.restore(files.describe(meta), files.source(meta), meta.getIndex(), meta.getTerm());
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
        long compactTo = meta.getIndex() - compactionTail;
        if (compactTo > store.firstIndex() - 1) {
            // Durable with the next sync; until then a restart finds the entries still there, which is harmless.
            whenIdle.accept(() -> store.compact(compactTo));
        }
        transitions.event("snapshot", core.term(), "index=" + meta.getIndex() + " bytes=" + info.sizeBytes()
                + " log_first_index=" + store.firstIndex());
    }
}
