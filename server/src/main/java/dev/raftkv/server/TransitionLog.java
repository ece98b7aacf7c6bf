package dev.raftkv.server;

import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The node's state transitions, one structured line each: {@code event=... node=...
 * term=...} plus details, so operators can grep a node's history (the original
 * specification's "detailed logging"). Timestamps come from the logging backend.
 */
final class TransitionLog {

    private static final Logger LOG = System.getLogger("dev.raftkv.transitions");

    private final String nodeId;
    private final Logger log;
    private Ready.SoftState last;

    TransitionLog(String nodeId) {
        this(nodeId, LOG);
    }

    /** @param log where the lines go (the simulator, which runs millions of transitions, passes one that drops them) */
    TransitionLog(String nodeId, Logger log) {
        this.nodeId = nodeId;
        this.log = log;
    }

    void onSoftState(Ready.SoftState state) {
        Ready.SoftState before = last;
        last = state;
        if (before != null && before.term() != state.term()) {
            event("term", state.term(), "from=" + (before == null ? 0 : before.term()));
        }
        if (before == null || before.role() != state.role()) {
            event("role", state.term(), "from=" + (before == null ? Role.FOLLOWER : before.role()) + " to=" + state.role());
        }
        String leader = state.leaderId();
        if (before == null || !java.util.Objects.equals(before.leaderId(), leader)) {
            event("leader", state.term(), "leader=" + (leader == null ? "none" : leader));
        }
    }

    void event(String event, long term, String details) {
        log.log(Level.INFO, () -> "event=" + event + " node=" + nodeId + " term=" + term + " " + details);
    }
}
