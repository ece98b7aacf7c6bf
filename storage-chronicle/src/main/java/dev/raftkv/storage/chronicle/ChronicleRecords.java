package dev.raftkv.storage.chronicle;

import com.google.protobuf.CodedOutputStream;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The records this backend writes as Chronicle documents, one record per document:
 *
 * <pre>
 *   crc32c (4) | kind (1) | fields | payload        crc over everything after itself
 *
 *   ENTRY      index (8) | term (8) | batchLast (8) | serialized raftkv.v1.Entry
 *   HARD_STATE serialized raftkv.v1.HardState
 *   SNAPSHOT   snapshotIndex (8) | snapshotTerm (8) | lastIndex (8)
 *   VOID       first (8) | last (8)                 Chronicle indexes of torn records
 * </pre>
 *
 * An ENTRY discards every held entry at or after its index before it is added, which
 * is how a conflicting suffix is overwritten in an append-only queue; {@code batchLast}
 * is the index of the last entry of its {@code append} call, so a batch cut short by a
 * crash is recognised and dropped whole. A SNAPSHOT sets the snapshot index and term
 * and truncates or extends the log to {@code lastIndex}: it records compaction,
 * reset, and the checkpoint that starts every cycle file. Encoding works in a reused
 * buffer; one instance per store, not thread-safe.
 */
final class ChronicleRecords {

    static final byte ENTRY = 1;
    static final byte HARD_STATE = 2;
    static final byte SNAPSHOT = 3;
    static final byte VOID = 4;
    static final int ENTRY_HEADER_BYTES = 4 + 1 + 24;

    private byte[] buffer = new byte[4096];
    private int length;

    /** The record last encoded: {@link #bytes()} from 0 to {@link #length()}. */
    byte[] bytes() {
        return buffer;
    }

    int length() {
        return length;
    }

    void encodeEntry(Entry entry, long batchLast) {
        int size = entry.getSerializedSize();
        ByteBuffer header = start(ENTRY, ENTRY_HEADER_BYTES + size);
        header.putLong(entry.getIndex()).putLong(entry.getTerm()).putLong(batchLast);
        try {
            entry.writeTo(CodedOutputStream.newInstance(buffer, ENTRY_HEADER_BYTES, size));
        } catch (IOException e) {
            throw new IllegalStateException("serializing into an array of the exact size cannot fail", e);
        }
        seal();
    }

    void encodeHardState(HardState hardState) {
        int size = hardState.getSerializedSize();
        start(HARD_STATE, 5 + size);
        try {
            hardState.writeTo(CodedOutputStream.newInstance(buffer, 5, size));
        } catch (IOException e) {
            throw new IllegalStateException("serializing into an array of the exact size cannot fail", e);
        }
        seal();
    }

    void encodeSnapshot(long snapshotIndex, long snapshotTerm, long lastIndex) {
        start(SNAPSHOT, 5 + 24).putLong(snapshotIndex).putLong(snapshotTerm).putLong(lastIndex);
        seal();
    }

    void encodeVoid(long firstChronicleIndex, long lastChronicleIndex) {
        start(VOID, 5 + 16).putLong(firstChronicleIndex).putLong(lastChronicleIndex);
        seal();
    }

    private ByteBuffer start(byte kind, int recordBytes) {
        if (buffer.length < recordBytes) {
            buffer = new byte[Math.max(recordBytes, buffer.length * 2)];
        }
        length = recordBytes;
        buffer[4] = kind;
        return ByteBuffer.wrap(buffer, 5, recordBytes - 5);
    }

    private void seal() {
        ByteBuffer.wrap(buffer, 0, 4).putInt(crc(buffer, 0, length));
    }

    /** Whether {@code record[offset, offset + length)} is a whole record whose checksum holds. */
    static boolean intact(byte[] record, int offset, int length) {
        return length >= 5 && ByteBuffer.wrap(record, offset, 4).getInt() == crc(record, offset, length);
    }

    static byte kind(byte[] record, int offset) {
        return record[offset + 4];
    }

    /** The {@code n}-th long field (0-based) after the kind byte. */
    static long field(byte[] record, int offset, int n) {
        return ByteBuffer.wrap(record, offset + 5 + 8 * n, 8).getLong();
    }

    private static int crc(byte[] record, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(record, offset + 4, length - 4);
        return (int) crc.getValue();
    }
}
