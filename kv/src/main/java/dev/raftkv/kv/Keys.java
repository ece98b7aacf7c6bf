package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * Small pure functions on keys (and values) as byte strings. Keys are ordered by
 * unsigned lexicographic comparison of their bytes ({@link #ORDER}, the order of
 * {@link ByteString#unsignedLexicographicalComparator()}). Any thread.
 */
public final class Keys {

    /** An end key that stands for "no upper bound" in a range. */
    public static final ByteString UNBOUNDED = ByteString.EMPTY;

    /** How many characters (or bytes, in hex) {@link #describe} shows before eliding. */
    static final int DESCRIBE_LIMIT = 48;

    /**
     * Unsigned lexicographic order of the bytes, as {@link ByteString#unsignedLexicographicalComparator()}
     * but without its per-comparison iterators: the key map compares keys on every lookup and insert, on the
     * apply thread.
     */
    public static final Comparator<ByteString> ORDER = Keys::compare;

    private Keys() {}

    /** Compares {@code a} and {@code b} as unsigned bytes, then by length: {@link #ORDER}. */
    public static int compare(ByteString a, ByteString b) {
        int common = Math.min(a.size(), b.size());
        for (int i = 0; i < common; i++) {
            int difference = (a.byteAt(i) & 0xFF) - (b.byteAt(i) & 0xFF);
            if (difference != 0) {
                return difference;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /**
     * The smallest key greater than every key that starts with {@code prefix}: the
     * prefix with trailing {@code 0xFF} bytes dropped and its last byte incremented;
     * {@link #UNBOUNDED} when no such key exists (an empty or all-{@code 0xFF} prefix).
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
        return UNBOUNDED;
    }

    /**
     * A short human-readable rendering for error messages: printable UTF-8 text in
     * double quotes (with {@code "} and {@code \} escaped), anything else as
     * {@code 0x}-prefixed hex; long ones cut after {@value #DESCRIBE_LIMIT} characters
     * with the full size appended.
     */
    public static String describe(ByteString bytes) {
        if (bytes.isValidUtf8()) {
            String text = bytes.toStringUtf8();
            if (text.codePoints().noneMatch(Keys::unprintable)) {
                StringBuilder quoted = new StringBuilder("\"");
                int shown = Math.min(text.length(), DESCRIBE_LIMIT);
                for (int i = 0; i < shown; i++) {
                    char c = text.charAt(i);
                    if (c == '"' || c == '\\') {
                        quoted.append('\\');
                    }
                    quoted.append(c);
                }
                quoted.append('"');
                return shown < text.length() ? quoted + "... (" + bytes.size() + " bytes)" : quoted.toString();
            }
        }
        StringBuilder hex = new StringBuilder("0x");
        int shown = Math.min(bytes.size(), DESCRIBE_LIMIT / 2);
        for (int i = 0; i < shown; i++) {
            hex.append(Character.forDigit((bytes.byteAt(i) >> 4) & 0xF, 16))
                    .append(Character.forDigit(bytes.byteAt(i) & 0xF, 16));
        }
        return shown < bytes.size() ? hex + "... (" + bytes.size() + " bytes)" : hex.toString();
    }

    private static boolean unprintable(int codePoint) {
        return Character.isISOControl(codePoint) || !Character.isDefined(codePoint);
    }
}
