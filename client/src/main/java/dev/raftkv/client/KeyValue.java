package dev.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** One key and its value, as a scan returns them. */
public record KeyValue(ByteString key, ByteString value) {

    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
