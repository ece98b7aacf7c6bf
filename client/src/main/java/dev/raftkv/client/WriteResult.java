package dev.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * The result of an applied put or delete.
 *
 * @param found whether the key existed before the write
 * @param previousValue its value before the write; empty when it did not exist
 */
public record WriteResult(boolean found, ByteString previousValue) {

    public WriteResult {
        Objects.requireNonNull(previousValue, "previousValue");
    }
}
