package dev.raftkv.kv;

import static dev.raftkv.kv.SnapshotFormat.RESULT_HEADER_BYTES;
import static dev.raftkv.kv.SnapshotFormat.SESSION_HEADER_BYTES;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ConfState;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import java.util.Map;
import java.util.zip.CRC32C;
import org.pcollections.PVector;
import java.util.zip.CheckedOutputStream;

/**
 * Writes the snapshot format of the package documentation, streaming: records go out
 * as they are produced, through a buffer, while a CRC32C accumulates over every byte.
 */
final class SnapshotWriter {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final DataOutputStream out;

    private SnapshotWriter(DataOutputStream out) {
        this.out = out;
    }

    static void write(OutputStream target, long appliedIndex, long clockMillis, KeyValueMap data,
            SessionTable sessions, ConfState conf) throws IOException {
        CRC32C crc = new CRC32C();
        // Closing nothing: the caller owns the target stream.
        OutputStream unclosable = new FilterOutputStream(target) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
            }

            @Override
            public void close() {}
        };
        SnapshotWriter writer = new SnapshotWriter(new DataOutputStream(
                new BufferedOutputStream(new CheckedOutputStream(unclosable, crc), BUFFER_BYTES)));
        writer.header();
        writer.state(appliedIndex, clockMillis);
        writer.mvcc(data);
        writer.pairs(data.baseState());
        writer.history(data);
        writer.sessions(sessions.leastRecentlyUsedFirst());
        writer.config(conf);
        writer.out.writeInt(SnapshotFormat.END);
        writer.out.flush();
        // The trailer goes around the checksumming stream: it is the checksum.
        DataOutputStream trailer = new DataOutputStream(unclosable);
        trailer.writeInt((int) crc.getValue());
        trailer.flush();
    }

    private void header() throws IOException {
        out.write(SnapshotFormat.MAGIC);
        out.writeInt(SnapshotFormat.VERSION);
    }

    private void section(int tag, long records) throws IOException {
        out.writeInt(tag);
        out.writeLong(records);
    }

    private void state(long appliedIndex, long clockMillis) throws IOException {
        section(SnapshotFormat.SECTION_STATE, 1);
        out.writeInt(SnapshotFormat.STATE_RECORD_BYTES);
        out.writeLong(appliedIndex);
        out.writeLong(clockMillis);
    }

    private void mvcc(KeyValueMap data) throws IOException {
        section(SnapshotFormat.SECTION_MVCC, 1);
        out.writeInt(SnapshotFormat.MVCC_RECORD_BYTES);
        out.writeLong(data.revision());
        out.writeLong(data.compactedRevision());
        out.writeLong(data.baseRevision());
    }

    private void pairs(Map<ByteString, VersionedValue> pairs) throws IOException {
        section(SnapshotFormat.SECTION_PAIRS, pairs.size());
        for (Map.Entry<ByteString, VersionedValue> pair : pairs.entrySet()) {
            ByteString key = pair.getKey();
            VersionedValue value = pair.getValue();
            out.writeInt(recordLength(4L + SnapshotFormat.VERSIONS_BYTES + key.size() + value.value().size()));
            out.writeInt(key.size());
            versions(value);
            key.writeTo(out);
            value.value().writeTo(out);
        }
    }

    private void versions(VersionedValue value) throws IOException {
        out.writeLong(value.createRevision());
        out.writeLong(value.modRevision());
        out.writeLong(value.version());
    }

    private void history(KeyValueMap data) throws IOException {
        Map<Long, PVector<ByteString>> changes = data.changes();
        section(SnapshotFormat.SECTION_HISTORY, changes.size());
        for (Map.Entry<Long, PVector<ByteString>> revision : changes.entrySet()) {
            Map<ByteString, VersionedValue> state = data.state(revision.getKey());
            long length = 8 + 4;
            for (ByteString key : revision.getValue()) {
                VersionedValue value = state.get(key);
                length += 4 + key.size() + 1 + (value == null ? 0 : SnapshotFormat.VERSIONS_BYTES + 4 + value.value().size());
            }
            out.writeInt(recordLength(length));
            out.writeLong(revision.getKey());
            out.writeInt(revision.getValue().size());
            for (ByteString key : revision.getValue()) {
                VersionedValue value = state.get(key);
                out.writeInt(key.size());
                key.writeTo(out);
                out.writeByte(value == null ? 0 : 1);
                if (value != null) {
                    versions(value);
                    out.writeInt(value.value().size());
                    value.value().writeTo(out);
                }
            }
        }
    }

    private void sessions(Collection<Session> sessions) throws IOException {
        section(SnapshotFormat.SECTION_SESSIONS, sessions.size());
        for (Session session : sessions) {
            long length = SESSION_HEADER_BYTES;
            for (CommandResult result : session.results().values()) {
                length += RESULT_HEADER_BYTES + result.getSerializedSize();
            }
            out.writeInt(recordLength(length));
            out.writeLong(session.id());
            out.writeLong(session.lastActiveMillis());
            out.writeLong(session.ackedSequence());
            out.writeInt(session.results().size());
            for (Map.Entry<Long, CommandResult> result : session.results().entrySet()) {
                out.writeLong(result.getKey());
                out.writeInt(result.getValue().getSerializedSize());
                result.getValue().writeTo(out);
            }
        }
    }

    private void config(ConfState conf) throws IOException {
        section(SnapshotFormat.SECTION_CONFIG, 1);
        out.writeInt(recordLength(conf.getSerializedSize()));
        conf.writeTo(out);
    }

    private static int recordLength(long length) {
        if (length > SnapshotFormat.MAX_RECORD_BYTES) {
            throw new IllegalStateException("a snapshot record of " + length + " bytes exceeds the format's limit of "
                    + SnapshotFormat.MAX_RECORD_BYTES);
        }
        return (int) length;
    }
}
