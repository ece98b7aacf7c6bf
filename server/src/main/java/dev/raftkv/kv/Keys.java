package dev.raftkv.kv;

import com.google.protobuf.ByteString;

/**
 * Small pure functions on keys (and values) as byte strings. Keys are ordered by
 * unsigned lexicographic comparison of their bytes
 * ({@link ByteString#unsignedLexicographicalComparator()}). Any thread.
 */
public final class Keys {

    /** An end key that stands for "no upper bound" in a range. */
    public static final ByteString UNBOUNDED = ByteString.EMPTY;

    /** How many characters (or bytes, in hex) {@link #describe} shows before eliding. */
    static final int DESCRIBE_LIMIT = 48;

    private Keys() {}

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
