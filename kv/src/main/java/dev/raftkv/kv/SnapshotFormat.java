package dev.raftkv.kv;

import java.nio.charset.StandardCharsets;

/** Constants of the snapshot format; the format itself is described in the package documentation. */
final class SnapshotFormat {

    /** The first eight bytes of every snapshot: ASCII {@code RKVSNAP} and a newline. */
    static final byte[] MAGIC = "RKVSNAP\n".getBytes(StandardCharsets.US_ASCII);

    /** The version this code writes. */
    static final int VERSION = 3;
    /**
     * The oldest version this code reads: version 1 lacks the CONFIG section (read as no members); versions 1
     * and 2 lack revisions (read as a store at revision 1 whose every key has create and mod revision 1, version 1).
     */
    static final int OLDEST_READABLE_VERSION = 1;

    /** Section tag that ends the section list. */
    static final int END = 0;
    /** One record: applied index (int64), log clock in milliseconds (int64). */
    static final int SECTION_STATE = 1;
    /**
     * One record per pair, in key order: key length (int32), key, value (the rest). Version 3 on: the pairs at
     * the base revision (the oldest kept), each record key length (int32), create revision, mod revision,
     * version (int64 each), key, value (the rest).
     */
    static final int SECTION_PAIRS = 2;
    /** One record per session, least recently used first; see the package documentation. */
    static final int SECTION_SESSIONS = 3;
    /** Version 2 on: one record, the cluster configuration as a serialized {@code raftkv.v1.ConfState}. */
    static final int SECTION_CONFIG = 4;
    /** Version 3 on: one record, revision, compacted revision, base revision (int64 each). */
    static final int SECTION_MVCC = 5;
    /**
     * Version 3 on: one record per revision after the base, in order: revision (int64), change count (int32),
     * then per change key length (int32), key, present (byte), and when present create revision, mod revision,
     * version (int64 each), value length (int32), value. Absent: the key was deleted.
     */
    static final int SECTION_HISTORY = 6;

    static final int MVCC_RECORD_BYTES = 24;
    static final int VERSIONS_BYTES = 24;

    static final int STATE_RECORD_BYTES = 16;
    static final int SESSION_HEADER_BYTES = 8 + 8 + 8 + 4;
    static final int RESULT_HEADER_BYTES = 8 + 4;

    /** A record longer than this is taken for corruption rather than read (no key or value is near it). */
    static final int MAX_RECORD_BYTES = 1 << 30;

    private SnapshotFormat() {}

    static String sectionName(int tag) {
        return switch (tag) {
            case SECTION_STATE -> "STATE";
            case SECTION_PAIRS -> "PAIRS";
            case SECTION_SESSIONS -> "SESSIONS";
            case SECTION_CONFIG -> "CONFIG";
            case SECTION_MVCC -> "MVCC";
            case SECTION_HISTORY -> "HISTORY";
            default -> "section " + tag;
        };
    }
}
