package dev.raftkv.sim;

import dev.raftkv.proto.SnapshotMeta;
import java.util.zip.CRC32C;

/**
 * A simulated snapshot file: the state machine's snapshot bytes, the Raft meta they
 * stand at, and a CRC32C over the bytes. Written atomically, so it survives a crash
 * whole or not at all, as the production driver's temp-file-and-rename does.
 */
record StoredSnapshot(SnapshotMeta meta, byte[] data, int crc32c) {

    static StoredSnapshot of(SnapshotMeta meta, byte[] data) {
        return new StoredSnapshot(meta, data, crc(data));
    }

    static int crc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return (int) crc.getValue();
    }

    long index() {
        return meta.getIndex();
    }
}
