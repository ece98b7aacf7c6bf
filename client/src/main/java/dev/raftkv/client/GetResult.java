package dev.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * The answer to a get.
 *
 * @param found whether the key exists
 * @param value its value; empty when it does not exist
 */
public record GetResult(boolean found, ByteString value) {

    public GetResult {
        Objects.requireNonNull(value, "value");
    }

    /** The value decoded as UTF-8 (malformed bytes replaced). */
    public String valueUtf8() {
        return value.toStringUtf8();
    }
}
