/**
 * The key-value state machine that every replica applies the committed log to:
 * {@link dev.raftkv.kv.KvStateMachine}.
 *
 * <h2>Story</h2>
 * Log entries of type {@code ENTRY_COMMAND} carry a serialized
 * {@link dev.raftkv.proto.Command}; the node's apply thread hands each to
 * {@link dev.raftkv.kv.KvStateMachine#apply} in log order and completes the proposer's
 * future with the {@link dev.raftkv.proto.CommandResult}. Reads (GET, range and prefix
 * scans) run on the same thread once the applied index has reached the read's ReadIndex
 * (linearizable) or at once (serializable); they never go through the log.
 *
 * <p>Applying is deterministic (no wall clock, no randomness, no environment), so all
 * replicas reach the same state and the same results. Time exists only as the <em>log
 * clock</em>, the largest {@code timestamp_millis} applied so far; client sessions
 * (Ongaro thesis §6.3, {@link dev.raftkv.kv.SessionTable}) expire on it, idle too long
 * or least recently used beyond a cap ({@link dev.raftkv.kv.SessionLimits}), and make
 * writes exactly-once: a retried {@code (session_id, sequence)} gets its first result
 * back instead of being applied again.
 *
 * <h2>Revisions (etcd's multi-version model)</h2>
 * The key space keeps etcd's MVCC model: a store revision (1 when empty) that every write
 * transaction changing something increments once (a native write, an etcd Put, DeleteRange or
 * Txn, see {@link dev.raftkv.kv.EtcdOps}); per key {@link dev.raftkv.kv.VersionedValue}'s create
 * and mod revision and version; and the state after every revision back to the compacted one
 * ({@code Compact}, and {@link dev.raftkv.kv.HistoryLimits}, the same on every replica). An etcd
 * op that fails ({@link dev.raftkv.kv.MvccException}) changes nothing.
 *
 * <h2>Snapshot format, version 3</h2>
 * {@link dev.raftkv.kv.KvStateMachine#writeSnapshot} streams the whole state; all
 * integers are big-endian two's complement.
 * <pre>
 * snapshot := magic version section* end crc
 * magic    := 8 bytes, ASCII "RKVSNAP\n" (52 4b 56 53 4e 41 50 0a)
 * version  := int32, 3 (1 and 2 are still read)
 * section  := tag:int32 (non-zero) count:int64 record{count}
 * record   := length:int32 (0 .. 2^30) body:byte[length]
 * end      := int32 0
 * crc      := int32, CRC32C (Castagnoli) of every byte from magic through end
 * </pre>
 * Version 3 has six sections, each exactly once, written in the order STATE, MVCC, PAIRS,
 * HISTORY, SESSIONS, CONFIG. Version 2 had STATE, PAIRS (without the version fields),
 * SESSIONS and CONFIG, and reads as a store at revision 1 whose every key has revision 1,
 * version 1; version 1 also lacked CONFIG (it reads as a state machine without members):
 * <dl>
 * <dt>1 STATE</dt>
 * <dd>one 16-byte record: applied index (int64), log clock in ms (int64).</dd>
 * <dt>5 MVCC</dt>
 * <dd>one 24-byte record: store revision, compacted revision, base revision (the oldest
 * kept, int64 each).</dd>
 * <dt>2 PAIRS</dt>
 * <dd>one record per pair of the state at the base revision, in strictly increasing
 * unsigned lexicographic key order: key length (int32), create revision, mod revision,
 * version (int64 each; not in versions 1 and 2), key bytes, value bytes (the rest).</dd>
 * <dt>6 HISTORY</dt>
 * <dd>one record per revision after the base, in order: revision (int64), change count
 * (int32), then per changed key: key length (int32), key, present (byte 0 or 1) and, when
 * present, create revision, mod revision, version (int64 each), value length (int32),
 * value. Replayed on the base, they rebuild every kept revision.</dd>
 * <dt>3 SESSIONS</dt>
 * <dd>one record per open session, from the least to the most recently used (the order
 * is state: it decides which session the cap expires next): session id (int64),
 * last-active log clock in ms (int64), acknowledged sequence (int64), result count
 * (int32), then per retained result in increasing sequence order: sequence (int64),
 * length (int32), a serialized {@code CommandResult}.</dd>
 * <dt>4 CONFIG</dt>
 * <dd>one record: the cluster configuration as of the applied index, a serialized
 * {@code raftkv.v1.ConfState} (voters, learners, member addresses), recorded by
 * {@link dev.raftkv.kv.KvStateMachine#applyConfig} from committed {@code ENTRY_CONFIG}
 * entries. A snapshot that lacked it would restore a replica that does not know its
 * cluster; one that lacked the sessions would apply retried writes twice.</dd>
 * </dl>
 * A reader checks the magic, then the version, then each section and record as it
 * reads them (a length that overruns its record, keys out of order, an unknown or
 * repeated section are errors), and last the checksum;
 * any failure is a {@link dev.raftkv.kv.SnapshotFormatException} naming what is wrong.
 *
 * <p><b>Evolution.</b> A new kind of state becomes a new section with a new tag, and a
 * new version number (as the configuration did in version 2), since a reader that
 * skipped a section it does not know would silently lose state.
 *
 * <p><b>Writing while applying continues.</b> The format needs the writer only to
 * iterate a frozen view once, section by section, with record lengths known before
 * each record. {@link dev.raftkv.kv.KvStateMachine#snapshotView()} takes such a view
 * on the apply thread — a rebuild of the key tree from its sorted references (linear
 * in the number of keys, no key or value bytes copied, as they are immutable) and a
 * copy of the small session table — and any thread then writes it while applying
 * goes on; the pause on the apply path is taking the view, which the driver measures.
 * A persistent sorted map would shrink that pause to constant time, at the price of
 * slower applies; at the key counts raftkv targets the linear copy is the simpler
 * choice.
 *
 * <h2>Threading</h2>
 * Everything here is confined to the node's apply thread, except the pure functions of
 * {@link dev.raftkv.kv.Keys} and the immutable {@link dev.raftkv.kv.KeyValue} and
 * {@link dev.raftkv.kv.SessionLimits}.
 */
package dev.raftkv.kv;
