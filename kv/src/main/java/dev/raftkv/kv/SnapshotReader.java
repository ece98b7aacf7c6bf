package dev.raftkv.kv;

import static dev.raftkv.kv.SnapshotFormat.RESULT_HEADER_BYTES;
import static dev.raftkv.kv.SnapshotFormat.SESSION_HEADER_BYTES;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ConfState;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.pcollections.TreePMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Reads the snapshot format of the package documentation into a fresh state machine
 * that nobody else sees until the trailer's checksum has matched, so a damaged
 * snapshot never yields a partial state. Memory grows with the bytes actually read,
 * never with a length or count field, so a corrupt field cannot exhaust the heap.
 */
final class SnapshotReader {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final InputStream buffered;
    private final ChecksummingInputStream checksummed;
    private final DataInputStream in;
    private final HistoryLimits historyLimits;
    private int version;
    private TreePMap<ByteString, VersionedValue> base = TreePMap.empty(Keys.ORDER);
    private final List<Map.Entry<Long, List<Map.Entry<ByteString, VersionedValue>>>> history = new ArrayList<>();
    private long revision = 1;
    private long compactedRevision;
    private long baseRevision = 1;
    private final SessionTable sessions;
    private long appliedIndex;
    private long clockMillis;
    private ConfState conf = ConfState.getDefaultInstance();

    private SnapshotReader(InputStream source, SessionLimits sessionLimits, HistoryLimits historyLimits) {
        this.historyLimits = historyLimits;
        this.buffered = new BufferedInputStream(source, BUFFER_BYTES);
        this.checksummed = new ChecksummingInputStream(buffered);
        this.in = new DataInputStream(checksummed);
        this.sessions = new SessionTable(sessionLimits);
    }

    static KvStateMachine read(InputStream source, SessionLimits sessionLimits, HistoryLimits historyLimits)
            throws IOException {
        SnapshotReader reader = new SnapshotReader(source, sessionLimits, historyLimits);
        reader.readAll();
        KeyValueMap data;
        try {
            data = KeyValueMap.restore(historyLimits, reader.revision, reader.compactedRevision, reader.baseRevision,
                    reader.base, reader.history);
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("inconsistent MVCC history in the snapshot: " + e.getMessage(), e);
        }
        return new KvStateMachine(sessionLimits, reader.appliedIndex, reader.clockMillis, data,
                reader.sessions, reader.conf);
    }

    private void readAll() throws IOException {
        byte[] magic = in.readNBytes(SnapshotFormat.MAGIC.length);
        if (magic.length < SnapshotFormat.MAGIC.length) {
            throw truncated("the magic number");
        }
        if (!Arrays.equals(magic, SnapshotFormat.MAGIC)) {
            throw new SnapshotFormatException("not a raftkv state machine snapshot: bad magic "
                    + HexFormat.of().formatHex(magic) + ", expected " + HexFormat.of().formatHex(SnapshotFormat.MAGIC));
        }
        version = readInt("the version");
        if (version < SnapshotFormat.OLDEST_READABLE_VERSION || version > SnapshotFormat.VERSION) {
            throw new SnapshotFormatException("unsupported snapshot version " + version + " (this reader supports "
                    + SnapshotFormat.OLDEST_READABLE_VERSION + " to " + SnapshotFormat.VERSION + ")");
        }
        Set<Integer> seen = new HashSet<>();
        for (int tag = readInt("a section tag"); tag != SnapshotFormat.END; tag = readInt("a section tag")) {
            long sectionOffset = checksummed.position() - 4;
            if (!seen.add(tag)) {
                throw malformed(sectionOffset, "section " + SnapshotFormat.sectionName(tag) + " appears twice");
            }
            if (tag != SnapshotFormat.SECTION_STATE && tag != SnapshotFormat.SECTION_PAIRS
                    && tag != SnapshotFormat.SECTION_SESSIONS && (tag != SnapshotFormat.SECTION_CONFIG || version < 2)
                    && ((tag != SnapshotFormat.SECTION_MVCC && tag != SnapshotFormat.SECTION_HISTORY) || version < 3)) {
                throw malformed(sectionOffset, "unknown section tag " + tag);
            }
            long records = readLong("a record count");
            boolean single = tag == SnapshotFormat.SECTION_STATE || tag == SnapshotFormat.SECTION_CONFIG
                    || tag == SnapshotFormat.SECTION_MVCC;
            if (records < 0 || (single && records != 1)) {
                throw malformed(sectionOffset, "bad record count " + records + " for section "
                        + SnapshotFormat.sectionName(tag));
            }
            for (long i = 0; i < records; i++) {
                readRecord(tag);
            }
        }
        int[] requiredSections = version >= 3
                ? new int[] {SnapshotFormat.SECTION_STATE, SnapshotFormat.SECTION_MVCC, SnapshotFormat.SECTION_PAIRS,
                        SnapshotFormat.SECTION_HISTORY, SnapshotFormat.SECTION_SESSIONS, SnapshotFormat.SECTION_CONFIG}
                : version == 2
                ? new int[] {SnapshotFormat.SECTION_STATE, SnapshotFormat.SECTION_PAIRS, SnapshotFormat.SECTION_SESSIONS,
                        SnapshotFormat.SECTION_CONFIG}
                : new int[] {SnapshotFormat.SECTION_STATE, SnapshotFormat.SECTION_PAIRS, SnapshotFormat.SECTION_SESSIONS};
        for (int required : requiredSections) {
            if (!seen.contains(required)) {
                throw malformed(checksummed.position(), "section " + SnapshotFormat.sectionName(required) + " is missing");
            }
        }
        int computed = (int) checksummed.crc.getValue();
        byte[] trailer = buffered.readNBytes(4);
        if (trailer.length < 4) {
            throw truncated("the checksum trailer");
        }
        int stored = ByteBuffer.wrap(trailer).getInt();
        if (stored != computed) {
            throw new SnapshotFormatException(String.format(
                    "snapshot checksum mismatch: the trailer holds CRC32C 0x%08x but the %d bytes before it give 0x%08x",
                    stored, checksummed.position(), computed));
        }
    }

    private void readRecord(int tag) throws IOException {
        long offset = checksummed.position();
        int length = readInt("a record length");
        if (length < 0 || length > SnapshotFormat.MAX_RECORD_BYTES) {
            throw malformed(offset, "record length " + length + " is out of range");
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw truncated("a record of " + length + " bytes in section " + SnapshotFormat.sectionName(tag));
        }
        ByteBuffer record = ByteBuffer.wrap(body);
        try {
            switch (tag) {
                case SnapshotFormat.SECTION_STATE -> state(record);
                case SnapshotFormat.SECTION_PAIRS -> pair(body, record);
                case SnapshotFormat.SECTION_SESSIONS -> session(body, record);
                case SnapshotFormat.SECTION_MVCC -> mvcc(record);
                case SnapshotFormat.SECTION_HISTORY -> revision(body, record);
                case SnapshotFormat.SECTION_CONFIG -> {
                    conf = ConfState.parseFrom(record);
                    record.position(record.limit());
                }
                default -> throw new IllegalStateException("unreachable: tag " + tag);
            }
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                | java.nio.BufferUnderflowException | InvalidProtocolBufferException e) {
            throw new SnapshotFormatException("malformed " + SnapshotFormat.sectionName(tag) + " record at byte "
                    + offset + ": " + e.getMessage(), e);
        }
        if (record.hasRemaining()) {
            throw malformed(offset, record.remaining() + " unexpected bytes at the end of a "
                    + SnapshotFormat.sectionName(tag) + " record");
        }
    }

    private void state(ByteBuffer record) {
        if (record.remaining() != SnapshotFormat.STATE_RECORD_BYTES) {
            throw new IllegalArgumentException("expected " + SnapshotFormat.STATE_RECORD_BYTES + " bytes, found "
                    + record.remaining());
        }
        appliedIndex = record.getLong();
        clockMillis = record.getLong();
        if (appliedIndex < 0) {
            throw new IllegalArgumentException("negative applied index " + appliedIndex);
        }
    }

    private void mvcc(ByteBuffer record) {
        if (record.remaining() != SnapshotFormat.MVCC_RECORD_BYTES) {
            throw new IllegalArgumentException("expected " + SnapshotFormat.MVCC_RECORD_BYTES + " bytes, found "
                    + record.remaining());
        }
        revision = record.getLong();
        compactedRevision = record.getLong();
        baseRevision = record.getLong();
        if (baseRevision < 1 || revision < baseRevision || compactedRevision < 0) {
            throw new IllegalArgumentException("revision " + revision + ", compacted " + compactedRevision
                    + ", base " + baseRevision + " are not consistent");
        }
    }

    private void pair(byte[] body, ByteBuffer record) {
        int keyLength = record.getInt();
        VersionedValue versions = version >= 3 ? versions(record, null) : null;
        if (keyLength < 0 || keyLength > record.remaining()) {
            throw new IllegalArgumentException("key length " + keyLength + " does not fit the record");
        }
        // The body array is ours alone and never written again, so sharing it is safe.
        ByteString key = UnsafeByteOperations.unsafeWrap(body, record.position(), keyLength);
        ByteString value = UnsafeByteOperations.unsafeWrap(body, record.position() + keyLength,
                record.remaining() - keyLength);
        record.position(record.limit());
        if (!base.isEmpty() && Keys.ORDER.compare(base.lastKey(), key) >= 0) {
            throw new IllegalArgumentException(
                    "key " + Keys.describe(key) + " does not follow " + Keys.describe(base.lastKey()));
        }
        base = base.plus(key, versions == null ? new VersionedValue(value, 1, 1, 1)
                : new VersionedValue(value, versions.createRevision(), versions.modRevision(), versions.version()));
    }

    private static VersionedValue versions(ByteBuffer record, ByteString value) {
        long create = record.getLong();
        long mod = record.getLong();
        long changes = record.getLong();
        return new VersionedValue(value == null ? ByteString.EMPTY : value, create, mod, changes);
    }

    private void revision(byte[] body, ByteBuffer record) {
        long at = record.getLong();
        int count = record.getInt();
        List<Map.Entry<ByteString, VersionedValue>> changes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int keyLength = record.getInt();
            if (keyLength < 0 || keyLength > record.remaining()) {
                throw new IllegalArgumentException("key length " + keyLength + " does not fit the record");
            }
            ByteString key = UnsafeByteOperations.unsafeWrap(body, record.position(), keyLength);
            record.position(record.position() + keyLength);
            VersionedValue value = null;
            if (record.get() != 0) {
                VersionedValue versions = versions(record, null);
                int valueLength = record.getInt();
                if (valueLength < 0 || valueLength > record.remaining()) {
                    throw new IllegalArgumentException("value length " + valueLength + " does not fit the record");
                }
                value = new VersionedValue(UnsafeByteOperations.unsafeWrap(body, record.position(), valueLength),
                        versions.createRevision(), versions.modRevision(), versions.version());
                record.position(record.position() + valueLength);
            }
            changes.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value));
        }
        history.add(Map.entry(at, changes));
    }

    private void session(byte[] body, ByteBuffer record) throws InvalidProtocolBufferException {
        if (record.remaining() < SESSION_HEADER_BYTES) {
            throw new IllegalArgumentException("a session needs at least " + SESSION_HEADER_BYTES + " bytes");
        }
        Session session = new Session(record.getLong(), record.getLong(), record.getLong());
        int results = record.getInt();
        for (int i = 0; i < results; i++) {
            if (record.remaining() < RESULT_HEADER_BYTES) {
                throw new IllegalArgumentException("session " + session.id() + " ends inside result " + i);
            }
            long sequence = record.getLong();
            int resultLength = record.getInt();
            if (resultLength < 0 || resultLength > record.remaining()) {
                throw new IllegalArgumentException("result length " + resultLength + " does not fit the record");
            }
            session.record(sequence, CommandResult.parseFrom(ByteBuffer.wrap(body, record.position(), resultLength)));
            record.position(record.position() + resultLength);
        }
        sessions.restore(session);
    }

    private int readInt(String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw truncated(what);
        }
    }

    private long readLong(String what) throws IOException {
        try {
            return in.readLong();
        } catch (EOFException e) {
            throw truncated(what);
        }
    }

    private SnapshotFormatException truncated(String what) {
        return new SnapshotFormatException(
                "snapshot truncated: it ends after " + checksummed.position() + " bytes, inside " + what);
    }

    private static SnapshotFormatException malformed(long offset, String what) {
        return new SnapshotFormatException("malformed snapshot at byte " + offset + ": " + what);
    }

    /** Counts and checksums the bytes read through it; closing it closes nothing. */
    private static final class ChecksummingInputStream extends FilterInputStream {

        final CRC32C crc = new CRC32C();
        private long position;

        ChecksummingInputStream(InputStream in) {
            super(in);
        }

        long position() {
            return position;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                crc.update(b);
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            int n = in.read(bytes, offset, length);
            if (n > 0) {
                crc.update(bytes, offset, n);
                position += n;
            }
            return n;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException("every byte must be checksummed");
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {}
    }
}
