package dev.raftkv.raft;

/**
 * Rules of Raft that the simulator's mutation check breaks on purpose, to show that
 * its invariants and linearizability check catch each broken rule. Never set outside
 * that check: each one makes the core unsafe.
 */
public enum InjectedBug {
    /** Commit an entry of an earlier term by counting its replicas (forbidden by §5.4.2, Figure 8). */
    COMMIT_BY_COUNTING_OLD_TERM,
    /** Grant votes without the "candidate's log is at least as up-to-date" check (§5.4.1). */
    VOTE_WITHOUT_LOG_CHECK,
    /** Acknowledge appended entries before they are durable (Figure 2, persistent state). */
    ACK_BEFORE_DURABLE,
    /** Serve a ReadIndex read without the heartbeat round that proves leadership (thesis §6.4 step 3). */
    READ_WITHOUT_LEADERSHIP_CHECK,
    /**
     * Accept a configuration change while another is not committed yet (thesis §4.1: one
     * change at a time), so two changes in flight can leave majorities that do not overlap.
     */
    CONF_CHANGE_WHILE_PENDING,
    /**
     * Install a snapshot from the leader without its configuration (§7: the snapshot
     * carries the latest configuration), so the follower keeps a stale membership.
     */
    SNAPSHOT_WITHOUT_CONFIG
}
