package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CommandResult.Code;
import dev.raftkv.proto.ConfState;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseOp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The replicated key-value state machine: applies committed {@link Command}s in log
 * order and serves reads of the result.
 *
 * <h2>Determinism</h2>
 * The state after {@link #apply} depends only on the sequence of (index, command)
 * pairs applied since an empty state or a snapshot, and on the {@link SessionLimits},
 * which every replica must share. Nothing reads a wall clock, a random source or the
 * environment: time is the <em>log clock</em>, the largest {@code timestamp_millis}
 * of the commands applied so far ({@link #clockMillis()}), so every replica expires the
 * same sessions at the same index.
 *
 * <h2>Exactly-once writes (Ongaro thesis §6.3)</h2>
 * A write with {@code session_id != 0} is applied at most once per
 * {@code (session_id, sequence)}: the session keeps the result of each sequence above
 * its acknowledged floor ({@code acked_sequence}, which only rises) and answers a
 * duplicate with that result, unchanged. A sequence at or below the floor whose result
 * was discarded is answered {@link Code#SEQUENCE_STALE}; a session that is not open
 * (expired, closed or never opened) {@link Code#SESSION_EXPIRED}. Neither changes any
 * pair. {@code session_id == 0} writes are applied every time. OPEN_SESSION opens a
 * session whose id is its log index (its session fields are ignored); CLOSE_SESSION
 * closes {@code session_id} without sequence checks.
 *
 * <h2>Order of one apply</h2>
 * Check the index, advance the log clock, expire idle and surplus sessions, then run
 * the command; for a session write: acknowledge {@code acked_sequence}, answer a
 * duplicate or a stale sequence, else execute and record.
 *
 * <h2>Threading</h2>
 * Not thread-safe. One thread, the node's apply thread, calls every method: it applies
 * committed entries and, once {@link #appliedIndex()} has reached a read's ReadIndex,
 * serves that read (linearizable), or serves it at once (serializable).
 */
public final class KvStateMachine {

    private final SessionLimits sessionLimits;
    private final KeyValueMap data;
    private final SessionTable sessions;
    private long appliedIndex;
    private long clockMillis;
    private ConfState conf;

    /** An empty state machine with {@link SessionLimits#DEFAULT}. */
    public KvStateMachine() {
        this(SessionLimits.DEFAULT);
    }

    /** An empty state machine at applied index 0 and log clock 0, with {@link HistoryLimits#DEFAULT}. */
    public KvStateMachine(SessionLimits sessionLimits) {
        this(sessionLimits, HistoryLimits.DEFAULT);
    }

    /** An empty state machine at applied index 0, log clock 0 and revision 1. */
    public KvStateMachine(SessionLimits sessionLimits, HistoryLimits historyLimits) {
        this(sessionLimits, 0, 0, new KeyValueMap(historyLimits), new SessionTable(sessionLimits),
                ConfState.getDefaultInstance());
    }

    KvStateMachine(SessionLimits sessionLimits, long appliedIndex, long clockMillis, KeyValueMap data,
            SessionTable sessions, ConfState conf) {
        this.conf = Objects.requireNonNull(conf, "conf");
        this.sessionLimits = Objects.requireNonNull(sessionLimits, "sessionLimits");
        this.appliedIndex = appliedIndex;
        this.clockMillis = clockMillis;
        this.data = data;
        this.sessions = sessions;
    }

    /**
     * Applies the committed command at log {@code index}.
     *
     * @param index greater than {@link #appliedIndex()}; gaps are allowed (entries that
     *     carry no command need not be shown to the state machine, see {@link #skip})
     * @return the result for the proposer; an error code in it is a normal outcome that
     *     every replica reaches alike, not a failure of the state machine
     * @throws IllegalStateException if {@code index <= appliedIndex()}; nothing changes
     * @throws IllegalArgumentException if the command has no operation this version knows
     *     (written by a newer version); nothing changes, and the node must stop rather
     *     than diverge from replicas that understand it
     */
    public CommandResult apply(long index, Command command) {
        requireNext(index);
        if (command.getOpCase() == Command.OpCase.OP_NOT_SET) {
            throw new IllegalArgumentException("command at index " + index
                    + " has no operation this version knows (unknown fields "
                    + command.getUnknownFields().asMap().keySet() + ")");
        }
        appliedIndex = index;
        clockMillis = Math.max(clockMillis, command.getTimestampMillis());
        sessions.expire(clockMillis);
        return switch (command.getOpCase()) {
            case OPEN_SESSION -> {
                sessions.open(index, clockMillis);
                yield CommandResult.newBuilder().setSessionId(index).build();
            }
            case CLOSE_SESSION -> sessions.close(command.getSessionId())
                    ? CommandResult.getDefaultInstance()
                    : sessionExpired(command.getSessionId());
            default -> applyWrite(command);
        };
    }

    /**
     * Records that the entry at {@code index} holds no command (a leader's no-op or a
     * configuration change), so {@link #appliedIndex()} reaches it and reads waiting
     * for it can go ahead. Changes nothing else.
     *
     * @throws IllegalStateException if {@code index <= appliedIndex()}
     */
    public void skip(long index) {
        requireNext(index);
        appliedIndex = index;
    }

    /**
     * Records the cluster configuration that the committed {@code ENTRY_CONFIG} entry at
     * {@code index} holds, so that a snapshot carries the membership with the data
     * (a replica restored from it knows both). Changes nothing else.
     *
     * @throws IllegalStateException if {@code index <= appliedIndex()}
     */
    public void applyConfig(long index, ConfState conf) {
        requireNext(index);
        appliedIndex = index;
        this.conf = Objects.requireNonNull(conf, "conf");
    }

    /** The configuration of the last {@link #applyConfig} (or the snapshot's); empty for a new state machine. */
    public ConfState confState() {
        return conf;
    }

    private void requireNext(long index) {
        if (index <= appliedIndex) {
            throw new IllegalStateException(
                    "log index " + index + " is not after the applied index " + appliedIndex);
        }
    }

    private CommandResult applyWrite(Command command) {
        long sessionId = command.getSessionId();
        if (sessionId == 0) {
            return execute(command);
        }
        Session session = sessions.touch(sessionId, clockMillis);
        if (session == null) {
            return sessionExpired(sessionId);
        }
        session.acknowledge(command.getAckedSequence());
        long sequence = command.getSequence();
        CommandResult recorded = session.result(sequence);
        if (recorded != null) {
            return recorded;
        }
        if (sequence <= session.ackedSequence()) {
            return KeyValueMap.error(Code.SEQUENCE_STALE, "session " + sessionId + ": sequence " + sequence
                    + " is at or below the acknowledged sequence " + session.ackedSequence()
                    + " and its result was discarded");
        }
        CommandResult result = execute(command);
        session.record(sequence, result);
        return result;
    }

    private CommandResult execute(Command command) {
        return switch (command.getOpCase()) {
            case ETCD_REQUEST -> etcd(command.getEtcdRequest());
            case ETCD_COMPACT -> {
                try {
                    data.compact(command.getEtcdCompact().getRevision());
                    yield CommandResult.newBuilder().setRevision(data.revision()).build();
                } catch (MvccException e) {
                    yield KeyValueMap.error(e.code(), e.getMessage()).toBuilder().setRevision(data.revision()).build();
                }
            }
            default -> data.execute(command);
        };
    }

    /** One etcd RequestOp as one write transaction: all its changes or, on an etcd error, none. */
    private CommandResult etcd(ByteString serialized) {
        RequestOp op;
        try {
            op = RequestOp.parseFrom(serialized);
        } catch (InvalidProtocolBufferException e) {
            return KeyValueMap.error(Code.ETCD_INVALID, "etcdserver: malformed request: " + e.getMessage());
        }
        data.begin();
        try {
            ResponseOp response = EtcdOps.apply(data, op);
            data.commit();
            return CommandResult.newBuilder().setEtcdResponse(response.toByteString()).setRevision(data.revision())
                    .build();
        } catch (MvccException e) {
            data.rollback();
            return KeyValueMap.error(e.code(), e.getMessage()).toBuilder().setRevision(data.revision()).build();
        }
    }

    private static CommandResult sessionExpired(long sessionId) {
        return KeyValueMap.error(Code.SESSION_EXPIRED,
                "session " + sessionId + " is not open: it expired, was closed or never opened");
    }

    /** Index of the last entry applied or skipped; 0 for a new state machine. */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** The log clock: the largest {@code timestamp_millis} applied so far (0 initially); never decreases. */
    public long clockMillis() {
        return clockMillis;
    }

    /** The session limits this state machine was made with. */
    public SessionLimits sessionLimits() {
        return sessionLimits;
    }

    /** The value of {@code key}, if present. */
    public Optional<ByteString> get(ByteString key) {
        return data.get(key);
    }

    /**
     * Up to {@code limit} pairs with keys in {@code [fromInclusive, toExclusive)}, in
     * unsigned lexicographic key order; an empty range if {@code fromInclusive >= toExclusive}.
     *
     * @param toExclusive the end key, or {@link Keys#UNBOUNDED} (the empty string, which
     *     as an exclusive end would be an empty range anyway) for no upper bound
     * @param limit at least 1
     * @return an immutable list
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public List<KeyValue> scan(ByteString fromInclusive, ByteString toExclusive, int limit) {
        return data.scan(fromInclusive, toExclusive, limit);
    }

    /** Up to {@code limit} pairs whose keys start with {@code prefix}, in key order. See {@link #scan}. */
    public List<KeyValue> scanPrefix(ByteString prefix, int limit) {
        return data.scan(prefix, Keys.prefixEnd(prefix), limit);
    }

    /**
     * etcd's Range, served like the other reads (after ReadIndex, or at once when serializable).
     *
     * @return the response without its header
     * @throws MvccException if the revision asked for is compacted or in the future
     */
    public RangeResponse etcdRange(RangeRequest request) {
        return EtcdOps.range(data, request);
    }

    /** The store's current revision: 1 when new, one more per write transaction that changed something. */
    public long revision() {
        return data.revision();
    }

    /** The revision below which history is gone (0: never compacted). */
    public long compactedRevision() {
        return data.compactedRevision();
    }

    /** How many keys hold a value. */
    public int size() {
        return data.size();
    }

    /** How many client sessions are open. */
    public int sessionCount() {
        return sessions.size();
    }

    /** Whether session {@code sessionId} is open (as of the last apply; it may expire at the next). */
    public boolean isSessionOpen(long sessionId) {
        return sessions.contains(sessionId);
    }

    /**
     * Streams a point-in-time image of the whole state to {@code out} in the format of
     * the package documentation, then flushes {@code out} (it does not close it). The
     * image is consistent because {@code apply} runs on this same thread and so cannot
     * interleave: applying pauses for as long as the write takes (the driver measures it).
     * {@link #readSnapshot} of the bytes gives an equal state machine, configuration
     * and sessions included.
     *
     * @throws IOException from {@code out}; what was written is then incomplete
     */
    public void writeSnapshot(OutputStream out) throws IOException {
        SnapshotWriter.write(out, appliedIndex, clockMillis, data, sessions, conf);
    }

    /**
     * Takes a point-in-time view of the whole state for a snapshot that another thread
     * may write while this one goes on applying: the pause on the apply thread is taking
     * the current version of the persistent key map (constant time) and a copy of the
     * small, bounded session table, not the writing of the snapshot. The driver measures
     * that pause.
     */
    public SnapshotView snapshotView() {
        return new SnapshotView(appliedIndex, clockMillis, data.copy(), sessions.copy(), conf);
    }

    /**
     * A frozen state: nothing changes it, so any one thread may write it while the
     * state machine applies on. {@link #writeTo} writes exactly what
     * {@link KvStateMachine#writeSnapshot} would have written when the view was taken.
     */
    public static final class SnapshotView {
        private final long appliedIndex;
        private final long clockMillis;
        private final KeyValueMap data;
        private final SessionTable sessions;
        private final ConfState conf;

        private SnapshotView(long appliedIndex, long clockMillis, KeyValueMap data, SessionTable sessions,
                ConfState conf) {
            this.appliedIndex = appliedIndex;
            this.clockMillis = clockMillis;
            this.data = data;
            this.sessions = sessions;
            this.conf = conf;
        }

        /** The index the view stands at: the snapshot's index. */
        public long appliedIndex() {
            return appliedIndex;
        }

        /** The configuration as of {@link #appliedIndex()}, for the snapshot's meta. */
        public ConfState confState() {
            return conf;
        }

        /** Streams the snapshot to {@code out} and flushes it (does not close it). */
        public void writeTo(OutputStream out) throws IOException {
            SnapshotWriter.write(out, appliedIndex, clockMillis, data, sessions, conf);
        }
    }

    /**
     * Reads a snapshot written by {@link #writeSnapshot} into a new state machine. The
     * whole snapshot is read and its checksum verified before anything is returned: a
     * damaged snapshot yields an exception, never a partial state. Reads {@code in} up
     * to the end of the snapshot (possibly a little further, through buffering) and
     * does not close it.
     *
     * @param sessionLimits the limits the new state machine applies from now on; they are
     *     not part of the snapshot and must be the same as on the other replicas
     * @throws SnapshotFormatException if the bytes are not a valid snapshot: bad magic,
     *     unsupported version, malformed or truncated content, checksum mismatch
     * @throws IOException from {@code in}
     */
    public static KvStateMachine readSnapshot(InputStream in, SessionLimits sessionLimits) throws IOException {
        return readSnapshot(in, sessionLimits, HistoryLimits.DEFAULT);
    }

    /** {@link #readSnapshot(InputStream, SessionLimits)} with history limits (not part of the snapshot either). */
    public static KvStateMachine readSnapshot(InputStream in, SessionLimits sessionLimits, HistoryLimits historyLimits)
            throws IOException {
        return SnapshotReader.read(in, sessionLimits, historyLimits);
    }
}
