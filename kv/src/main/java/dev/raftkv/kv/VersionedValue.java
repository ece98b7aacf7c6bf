package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * A key's value with etcd's version fields: {@code createRevision} is the revision of the
 * write that created the key (a deleted and re-created key gets the new one),
 * {@code modRevision} that of its last change, {@code version} the number of changes
 * since it was created (1 after creation; a delete resets it).
 */
public record VersionedValue(ByteString value, long createRevision, long modRevision, long version) {

    public VersionedValue {
        Objects.requireNonNull(value, "value");
    }
}
