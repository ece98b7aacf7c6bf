/**
 * The Raft core: a pure, deterministic, single-threaded state machine
 * ({@link dev.raftkv.raft.RaftNode}) after the design of etcd's raft package.
 *
 * <p>The core does no I/O. It reads the durable log through a read-only
 * {@link dev.raftkv.storage.LogReader} and writes nothing. Time arrives as {@code tick()}, peers' messages as
 * {@code step()}, commands as {@code propose()}, reads as {@code readIndex()},
 * operators' requests as {@code proposeConfChange()} and {@code transferLeadership()};
 * the result of all of them is a {@link dev.raftkv.raft.Ready} batch — a snapshot to
 * install, hard state and entries to persist, messages to send before and after
 * persisting, committed entries to apply, reads that became safe, the configuration
 * when it changed — which the driver carries out before calling {@code advance()}.
 * Randomness (election jitter) is injected through the
 * {@link dev.raftkv.raft.RaftConfig}. Because of this, the deterministic simulator
 * in the tests can run whole clusters from one seed and replay any failure exactly.
 *
 * <p>The pieces: {@code RaftLog} (the stored log plus the unstable tail and an
 * unstable snapshot, commit and apply positions), {@code Progress} and
 * {@code ProgressTracker} (the leader's per-member view and the majority rules,
 * §5.2–§5.3, with etcd's probe/replicate/snapshot flow control), {@code Membership}
 * (which configuration is in force), {@code ConfChanges} (the rules of one change),
 * {@code ReadIndexTracker} (ReadIndex, thesis §6.4).
 *
 * <h2>Snapshots and compaction (§7)</h2>
 * The driver snapshots its state machine when it likes (by log size or entry count,
 * or on demand), writes the file atomically with a checksum, then calls
 * {@code snapshotTaken(meta)} and only then compacts its {@code LogStore} (keeping a
 * tail for slow followers if it likes). When a follower needs an entry below the
 * store's first index, the leader emits {@code MSG_SNAPSHOT} carrying the latest
 * meta and sends that follower nothing else until the driver calls
 * {@code reportSnapshot(follower, success)} or the follower acknowledges the
 * snapshot's index. The drivers stream the file in chunks; the receiving driver
 * verifies the checksum, saves the file, and steps a {@code MSG_SNAPSHOT} with the
 * file's meta; the core accepts a snapshot only if it is newer than its commit index
 * and hands it out as {@link dev.raftkv.raft.Ready#snapshot()}: the driver restores
 * the state machine from it and resets the store to it before persisting anything
 * else of that batch. A restart passes the newest valid snapshot's meta to
 * {@link dev.raftkv.raft.RaftNode#RaftNode(RaftConfig, dev.raftkv.storage.LogReader,
 * dev.raftkv.proto.SnapshotMeta)} and replays only the log after it.
 *
 * <h2>Membership changes: one node at a time (thesis §4.1)</h2>
 * A change adds a learner, promotes a learner to voter, or removes a member. We
 * chose single-server changes over joint consensus (thesis §4.3): with one voter
 * added or removed at a time, every majority of the old configuration overlaps every
 * majority of the new one, so no intermediate joint configuration is needed and a
 * replacement is simply add, promote, remove. The price is a rule joint consensus
 * does not need, and we keep it strictly:
 * <ul>
 *   <li><b>One change at a time.</b> A leader refuses a change while the previous
 *       configuration entry is uncommitted; two changes in flight could leave
 *       configurations two voters apart, whose majorities need not overlap.</li>
 *   <li><b>The fix for the single-server bug</b> (Ongaro, raft-dev, 2015): a new
 *       leader accepts a change only once an entry of its own term is committed.
 *       Without it, a leader could add a change on top of a configuration it does
 *       not know was superseded by an uncommitted one of an earlier term, and two
 *       leaders could be elected in one term.</li>
 *   <li>A configuration takes effect on each node as soon as its entry is appended,
 *       not when it commits; a follower whose suffix is replaced falls back to the
 *       configuration before it. Entries carry the whole resulting
 *       {@code ConfState} (with member addresses), so the configuration at any index
 *       is the last one at or before it, else the snapshot's.</li>
 *   <li>Learners receive the log (and snapshots) but never vote or count for commit,
 *       ReadIndex or CheckQuorum majorities; a learner is promoted only when its log
 *       is within {@code maxCatchUpLagEntries} of the leader's, so the new voter does
 *       not stall commitment (thesis §4.2.1).</li>
 *   <li>A leader that removes itself keeps leading, without counting itself, until
 *       the change commits, then steps down and sends {@code MSG_TIMEOUT_NOW} to a
 *       caught-up voter (thesis §4.2.2). Removed nodes and learners never campaign.</li>
 *   <li>A node removed before the entry reached it (the leader stops replicating to it
 *       at once) would campaign forever. As with etcd's ErrMemberRemoved, a member whose
 *       committed configuration does not list the sender of a message answers
 *       {@code MSG_REMOVED} with that configuration's index, term and content; the
 *       receiver believes it only if that configuration is newer (by term, then
 *       index) than its own, which lists it, so a member lagging behind the change
 *       that added a node cannot remove it. A removed node neither campaigns nor
 *       votes ({@link dev.raftkv.raft.RaftNode#removal()}); a newer configuration
 *       listing it (added again) makes it a member once more.</li>
 *   <li>Each change's configuration carries the address of every member the leader
 *       knows, so a node that joins knowing only itself can reach all of them.</li>
 * </ul>
 * Leadership transfer (thesis §3.10): the leader stops accepting proposals, brings
 * the target up to date, and sends it {@code MSG_TIMEOUT_NOW}; the target campaigns
 * at once, without pre-vote, and its vote requests carry {@code leader_transfer} so
 * voters grant them despite leader stickiness. If the target has not won within an
 * election timeout, the leader goes on. Every refusal is a
 * {@link dev.raftkv.raft.RefusedException} with a {@link dev.raftkv.raft.RefusedException.Reason}.
 */
package dev.raftkv.raft;
