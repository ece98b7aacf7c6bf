package dev.raftkv.storage.rocksdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Finds a torn tail in a RocksDB write-ahead log file before RocksDB opens it, so
 * that the cut RocksDB makes silently (in {@code TolerateCorruptedTailRecords} mode)
 * is reported. Reads only the framing of the file: 32 KiB blocks of physical records,
 * each with a 7-byte header (checksum, length, type) or an 11-byte one for recycled
 * logs; a logical record spans FIRST, MIDDLE and LAST fragments. Checksums are left
 * to RocksDB, which fails the open on a bad record before the end.
 */
final class WalTailInspector {

    private static final int BLOCK_BYTES = 32 * 1024;
    private static final int HEADER_BYTES = 7;
    private static final int RECYCLABLE_HEADER_BYTES = 11;

    private WalTailInspector() {
    }

    /**
     * The offset where a record cut short by a crash starts, if the file ends inside
     * one; empty when the file ends on a record boundary.
     */
    static OptionalLong tornTailOffset(Path walFile) throws IOException {
        try (FileChannel channel = FileChannel.open(walFile, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long position = 0;
            long fragmentStart = -1;
            while (position < size) {
                long leftInBlock = BLOCK_BYTES - position % BLOCK_BYTES;
                if (leftInBlock < HEADER_BYTES) {
                    position += leftInBlock; // zero-filled block trailer
                    continue;
                }
                if (size - position < HEADER_BYTES) {
                    return OptionalLong.of(fragmentStart >= 0 ? fragmentStart : position);
                }
                header.clear();
                while (header.hasRemaining()) {
                    if (channel.read(header, position + header.position()) < 0) {
                        throw new IOException(walFile + " shrank while being read");
                    }
                }
                int length = header.getShort(4) & 0xffff;
                int type = header.get(6) & 0xff;
                if (type == 0 && length == 0) {
                    break; // preallocated space: the written part has ended
                }
                boolean recyclable = (type >= 5 && type <= 8) || type == 11 || type == 131;
                long end = position + (recyclable ? RECYCLABLE_HEADER_BYTES : HEADER_BYTES) + length;
                if (end > size) {
                    return OptionalLong.of(fragmentStart >= 0 ? fragmentStart : position);
                }
                int fragment = recyclable && type <= 8 ? type - 4 : type;
                if (fragment == 2) {
                    fragmentStart = position; // FIRST
                } else if (fragment == 1 || fragment == 4) {
                    fragmentStart = -1; // FULL or LAST
                }
                position = end;
            }
            return fragmentStart >= 0 ? OptionalLong.of(fragmentStart) : OptionalLong.empty();
        }
    }
}
