package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** One key and its value, as returned by the range reads of {@link KvStateMachine}. */
public record KeyValue(ByteString key, ByteString value) {

    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return Keys.describe(key) + "=" + Keys.describe(value);
    }
}
