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
        writer.pairs(data.pairs());
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

    private void pairs(Map<ByteString, ByteString> pairs) throws IOException {
        section(SnapshotFormat.SECTION_PAIRS, pairs.size());
        for (Map.Entry<ByteString, ByteString> pair : pairs.entrySet()) {
            ByteString key = pair.getKey();
            ByteString value = pair.getValue();
            out.writeInt(recordLength(4L + key.size() + value.size()));
            out.writeInt(key.size());
            key.writeTo(out);
            value.writeTo(out);
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
