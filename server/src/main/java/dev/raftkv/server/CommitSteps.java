package dev.raftkv.server;

import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import io.grpc.Status;

/**
 * The steps of a {@link Ready} that touch the apply path, once what it asked to persist
 * is durable: its committed entries go to the {@link Applier}; if this node stopped
 * leading in it, the writes it waits for above the commit index fail (they may still
 * commit under the next leader; those at or below it learn their real outcome when
 * applied, and an entry another leader put at their index answers them "superseded");
 * and its confirmed read indexes go to {@link LinearizableReads}, whose reads then wait
 * for the apply thread to reach them.
 *
 * <p>Owned by the event loop: not thread-safe. The deterministic simulator drives the
 * same steps.
 */
final class CommitSteps {

    private final String nodeId;
    private final Applier applier;
    private final LinearizableReads reads;
    /** Set when this node stopped leading in the Ready being processed: its waiting writes fail after it applies. */
    private Ready.SoftState lostLeadership;

    CommitSteps(String nodeId, Applier applier, LinearizableReads reads) {
        this.nodeId = nodeId;
        this.applier = applier;
        this.reads = reads;
    }

    /** The Ready being processed changed this node's role or leader. */
    void roleChanged(Ready.SoftState state) {
        if (state.role() != Role.LEADER) {
            lostLeadership = state;
        }
        reads.retryAll();
    }

    /**
     * What follows persisting {@code ready} (and sending the messages that had to wait for
     * it), before the core is told to advance.
     *
     * @param commitIndex the core's commit index after {@code ready}
     */
    void afterPersist(Ready ready, long commitIndex) {
        applier.apply(ready.committedEntries());
        if (lostLeadership != null) {
            Ready.SoftState state = lostLeadership;
            lostLeadership = null;
            applier.failAbove(commitIndex, Status.ABORTED.withDescription("node " + nodeId + " lost leadership in"
                    + " term " + state.term() + "; the write may still commit, retry it with the same session and"
                    + " sequence"), state.leaderId());
        }
        for (ReadState state : ready.readStates()) {
            reads.confirmed(state);
        }
    }
}
