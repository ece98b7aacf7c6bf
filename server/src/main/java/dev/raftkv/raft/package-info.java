/**
 * The Raft core: a pure, deterministic, single-threaded state machine
 * ({@link dev.raftkv.raft.RaftNode}) after the design of etcd's raft package.
 *
 * <p>The core does no I/O. Time arrives as {@code tick()}, peers' messages as
 * {@code step()}, commands as {@code propose()}, reads as {@code readIndex()}; the
 * result of all of them is a {@link dev.raftkv.raft.Ready} batch — hard state and
 * entries to persist, messages to send before and after persisting, committed
 * entries to apply, reads that became safe — which the driver carries out before
 * calling {@code advance()}. Randomness (election jitter) is injected through the
 * {@link dev.raftkv.raft.RaftConfig}. Because of this, the deterministic simulator
 * in the tests can run whole clusters from one seed and replay any failure exactly.
 *
 * <p>The pieces: {@code RaftLog} (the stored log plus the unstable
 * tail, commit and apply positions), {@code Progress} and {@code ProgressTracker}
 * (the leader's per-follower view and the majority rules, §5.2–§5.3, with etcd's
 * probe/replicate flow control), {@code ReadIndexTracker} (ReadIndex, thesis §6.4).
 *
 * <p>Membership changes and snapshots extend this package: the configuration lives in
 * the tracker and will be carried by {@code ENTRY_CONFIG} entries; the log already
 * knows a snapshot index below its first entry.
 */
package dev.raftkv.raft;
