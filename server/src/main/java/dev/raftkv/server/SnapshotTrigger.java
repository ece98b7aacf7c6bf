package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;

/**
 * What the apply path tells about the state it applied, so that snapshots are taken when
 * due. Production: the {@link Snapshotter}; the simulator has its own.
 *
 * <p>Contract: both methods are called on the apply thread ({@link SerialExecutor}), in
 * order with applying, and must not block it for longer than taking a point-in-time
 * view of the state machine; writing a snapshot happens elsewhere. They must not keep
 * {@code stateMachine}: it is replaced when a snapshot is installed and changes with
 * every entry applied.
 */
interface SnapshotTrigger {

    /**
     * A batch of committed entries was applied.
     *
     * @param appliedTerm the term of the entry at {@code stateMachine.appliedIndex()}
     */
    void afterApply(KvStateMachine stateMachine, long appliedTerm);

    /** The state machine was replaced by a snapshot from the leader, taken at {@code index}. */
    void installed(long index);
}
