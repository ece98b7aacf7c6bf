package dev.raftkv.client;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.ScanRequest;
import java.util.Objects;

/**
 * Which keys a scan visits, in unsigned byte order: either the range
 * {@code [startKey, endKey)} (an empty {@code endKey} means no upper bound) or every key
 * that starts with {@code prefix}. Immutable; any thread.
 */
public final class ScanRange {

    private final ByteString startKey;
    private final ByteString endKey;
    private final ByteString prefix;

    private ScanRange(ByteString startKey, ByteString endKey, ByteString prefix) {
        this.startKey = Objects.requireNonNull(startKey, "startKey");
        this.endKey = Objects.requireNonNull(endKey, "endKey");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** Every key. */
    public static ScanRange all() {
        return new ScanRange(ByteString.EMPTY, ByteString.EMPTY, ByteString.EMPTY);
    }

    /** Keys in {@code [startKey, endKey)}; an empty {@code endKey} means no upper bound. */
    public static ScanRange range(ByteString startKey, ByteString endKey) {
        return new ScanRange(startKey, endKey, ByteString.EMPTY);
    }

    /** Keys that start with {@code prefix}; an empty prefix means every key. */
    public static ScanRange prefix(ByteString prefix) {
        return new ScanRange(ByteString.EMPTY, ByteString.EMPTY, prefix);
    }

    public ByteString startKey() {
        return startKey;
    }

    public ByteString endKey() {
        return endKey;
    }

    public ByteString prefix() {
        return prefix;
    }

    public boolean isPrefix() {
        return !prefix.isEmpty();
    }

    /**
     * The rest of this range after {@code lastKey}: from {@code lastKey + "\0"} (the next key
     * in byte order) to this range's end. A prefix scan continues as the equivalent range
     * that ends at {@link #prefixEnd(ByteString)}.
     */
    public ScanRange after(ByteString lastKey) {
        ByteString next = lastKey.concat(ByteString.copyFrom(new byte[] {0}));
        ByteString end = isPrefix() ? prefixEnd(prefix) : endKey;
        return range(next, end);
    }

    /**
     * The smallest key greater than every key that starts with {@code prefix}; empty (no
     * upper bound) when there is none, i.e. for an empty or all-{@code 0xFF} prefix.
     */
    public static ByteString prefixEnd(ByteString prefix) {
        for (int i = prefix.size() - 1; i >= 0; i--) {
            byte b = prefix.byteAt(i);
            if (b != (byte) 0xFF) {
                byte[] end = prefix.substring(0, i + 1).toByteArray();
                end[i] = (byte) (b + 1);
                return ByteString.copyFrom(end);
            }
        }
        return ByteString.EMPTY;
    }

    void writeTo(ScanRequest.Builder request) {
        if (isPrefix()) {
            request.setPrefix(prefix);
        } else {
            request.setStartKey(startKey).setEndKey(endKey);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScanRange other
                && startKey.equals(other.startKey)
                && endKey.equals(other.endKey)
                && prefix.equals(other.prefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(startKey, endKey, prefix);
    }

    @Override
    public String toString() {
        return isPrefix()
                ? "prefix " + Bytes.describe(prefix)
                : "[" + Bytes.describe(startKey) + ", " + (endKey.isEmpty() ? "end" : Bytes.describe(endKey)) + ")";
    }
}
