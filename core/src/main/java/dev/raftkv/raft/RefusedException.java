package dev.raftkv.raft;

/**
 * The leader refused a membership change, a leadership transfer or a proposal; the
 * {@link #reason()} says why, and nothing changed. Refusals that depend on timing
 * ({@link Reason#CHANGE_PENDING}, {@link Reason#LEADER_NOT_READY},
 * {@link Reason#TRANSFER_IN_PROGRESS}, the lagging ones) may succeed when retried later.
 */
public class RefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a request was refused. */
    public enum Reason {
        /** The request names no node or no change type. */
        INVALID,
        /** ADD_LEARNER of a node that is already a voter or a learner. */
        ALREADY_MEMBER,
        /** REMOVE, PROMOTE or a transfer names a node that is not a member. */
        NOT_A_MEMBER,
        /** PROMOTE of a node that is not a learner (already a voter). */
        NOT_A_LEARNER,
        /** PROMOTE of a learner, or a transfer to a voter, whose log is too far behind the leader's. */
        TARGET_LAGGING,
        /** REMOVE of the only voter: no one would be left to decide anything. */
        LAST_VOTER,
        /** A configuration change is in the log but not committed yet: one change at a time (thesis §4.1). */
        CHANGE_PENDING,
        /**
         * This leader has not committed an entry of its own term yet, so it may not know
         * the latest configuration (thesis §4.1, the fix to single-server changes).
         */
        LEADER_NOT_READY,
        /** Leadership is being handed over; proposals and changes wait for the new leader. */
        TRANSFER_IN_PROGRESS,
        /** A transfer to a learner, to a node that is not a member, or to the leader itself. */
        NOT_A_VOTER
    }

    private final Reason reason;

    public RefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
