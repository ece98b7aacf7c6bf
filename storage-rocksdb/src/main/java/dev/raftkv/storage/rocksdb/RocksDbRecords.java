package dev.raftkv.storage.rocksdb;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.CorruptLogException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The keys and values this backend stores in RocksDB, each value guarded by a CRC32C
 * that also covers its key (so a value found under the wrong key fails too).
 *
 * <pre>
 *   entry      key 'e' + index (8 bytes, big-endian, so keys sort by index)
 *              value crc32c (4) | term (8) | serialized raftkv.v1.Entry
 *   hard state key 'h'   value crc32c (4) | serialized raftkv.v1.HardState
 *   snapshot   key 's'   value crc32c (4) | snapshot index (8) | snapshot term (8)
 * </pre>
 *
 * The term is kept beside the entry so that {@code term(index)} need not parse it.
 * Static helpers only; thread-safe.
 */
final class RocksDbRecords {

    static final byte[] HARD_STATE_KEY = {'h'};
    static final byte[] SNAPSHOT_KEY = {'s'};
    static final byte ENTRY_PREFIX = 'e';
    static final int ENTRY_HEADER_BYTES = 4 + 8;

    private RocksDbRecords() {
    }

    static byte[] entryKey(long index) {
        return ByteBuffer.allocate(9).put(ENTRY_PREFIX).putLong(index).array();
    }

    /** The index in an entry key, or -1 if {@code key} is not an entry key. */
    static long indexOf(byte[] key) {
        if (key.length != 9 || key[0] != ENTRY_PREFIX) {
            return -1;
        }
        return ByteBuffer.wrap(key, 1, 8).getLong();
    }

    static byte[] entryValue(Entry entry) {
        int size = entry.getSerializedSize();
        byte[] value = new byte[ENTRY_HEADER_BYTES + size];
        ByteBuffer.wrap(value, 4, 8).putLong(entry.getTerm());
        try {
            entry.writeTo(com.google.protobuf.CodedOutputStream.newInstance(value, ENTRY_HEADER_BYTES, size));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("serializing into an array of the exact size cannot fail", e);
        }
        seal(entryKey(entry.getIndex()), value);
        return value;
    }

    /** The term in an entry value, after checking the value's checksum. */
    static long termOf(byte[] key, byte[] value, Supplier<String> where) {
        check(key, value, ENTRY_HEADER_BYTES, where);
        return ByteBuffer.wrap(value, 4, 8).getLong();
    }

    /** Decodes an entry value, checking its checksum and that it holds the entry of its key. */
    static Entry entryOf(byte[] key, byte[] value, Supplier<String> where) {
        check(key, value, ENTRY_HEADER_BYTES, where);
        long index = indexOf(key);
        try {
            CodedInputStream input = CodedInputStream.newInstance(value, ENTRY_HEADER_BYTES,
                    value.length - ENTRY_HEADER_BYTES);
            input.enableAliasing(true);
            Entry entry = Entry.parseFrom(input);
            if (entry.getIndex() != index || entry.getTerm() != ByteBuffer.wrap(value, 4, 8).getLong()) {
                throw new CorruptLogException(where.get() + ": record under index " + index + " holds entry "
                        + entry.getIndex() + " of term " + entry.getTerm());
            }
            return entry;
        } catch (java.io.IOException e) {
            throw new CorruptLogException(where.get() + ": entry at index " + index + " does not decode", e);
        }
    }

    /** Serialized size of the entry in a value, as {@link Entry#getSerializedSize()} would say. */
    static int entryBytes(byte[] value) {
        return value.length - ENTRY_HEADER_BYTES;
    }

    static byte[] hardStateValue(HardState hardState) {
        byte[] body = hardState.toByteArray();
        byte[] value = new byte[4 + body.length];
        System.arraycopy(body, 0, value, 4, body.length);
        seal(HARD_STATE_KEY, value);
        return value;
    }

    static HardState hardStateOf(byte[] value, Supplier<String> where) {
        check(HARD_STATE_KEY, value, 4, where);
        try {
            return HardState.parseFrom(ByteBuffer.wrap(value, 4, value.length - 4));
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptLogException(where.get() + ": the hard state does not decode", e);
        }
    }

    static byte[] snapshotValue(long index, long term) {
        byte[] value = new byte[4 + 16];
        ByteBuffer.wrap(value, 4, 16).putLong(index).putLong(term);
        seal(SNAPSHOT_KEY, value);
        return value;
    }

    /** {index, term} of the snapshot record. */
    static long[] snapshotOf(byte[] value, Supplier<String> where) {
        check(SNAPSHOT_KEY, value, 20, where);
        ByteBuffer buffer = ByteBuffer.wrap(value, 4, 16);
        return new long[] {buffer.getLong(), buffer.getLong()};
    }

    private static void seal(byte[] key, byte[] value) {
        ByteBuffer.wrap(value, 0, 4).order(ByteOrder.BIG_ENDIAN).putInt(crc(key, value));
    }

    private static void check(byte[] key, byte[] value, int minBytes, Supplier<String> where) {
        if (value.length < minBytes || ByteBuffer.wrap(value, 0, 4).getInt() != crc(key, value)) {
            long index = indexOf(key);
            String what = index >= 0 ? "entry at index " + index : "record '" + (char) key[0] + "'";
            throw new CorruptLogException(where.get() + ": " + what + " fails its checksum");
        }
    }

    private static int crc(byte[] key, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(value, 4, value.length - 4);
        return (int) crc.getValue();
    }
}
