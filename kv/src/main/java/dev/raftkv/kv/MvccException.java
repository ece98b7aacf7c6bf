package dev.raftkv.kv;

import dev.raftkv.proto.CommandResult.Code;

/**
 * A request the multi-version store refuses, with etcd's error message; nothing changed.
 * {@link #code()} tells which (one of the {@code ETCD_*} codes).
 */
public final class MvccException extends RuntimeException {

    static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    static final String FUTURE_REVISION = "etcdserver: mvcc: required revision is a future revision";
    static final String KEY_NOT_FOUND = "etcdserver: key not found";

    private final transient Code code;

    MvccException(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    static MvccException compacted() {
        return new MvccException(Code.ETCD_COMPACTED, COMPACTED);
    }

    static MvccException futureRevision() {
        return new MvccException(Code.ETCD_FUTURE_REVISION, FUTURE_REVISION);
    }

    static MvccException keyNotFound() {
        return new MvccException(Code.ETCD_KEY_NOT_FOUND, KEY_NOT_FOUND);
    }

    static MvccException invalid(String what) {
        return new MvccException(Code.ETCD_INVALID, "etcdserver: " + what);
    }

    /** The result code that carries this error in a {@code CommandResult}. */
    public Code code() {
        return code;
    }
}
