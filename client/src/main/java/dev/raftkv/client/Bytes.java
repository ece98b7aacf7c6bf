package dev.raftkv.client;

import com.google.protobuf.ByteString;

/** Renders keys and values for humans: messages and the CLI's output. Any thread. */
public final class Bytes {

    /** How many characters (or bytes, in hex) {@link #describe} shows before eliding. */
    static final int DESCRIBE_LIMIT = 48;

    private Bytes() {
    }

    /** True when the bytes are valid UTF-8 without control or undefined characters. */
    public static boolean isPrintable(ByteString bytes) {
        return bytes.isValidUtf8()
                && bytes.toStringUtf8().codePoints()
                        .noneMatch(c -> Character.isISOControl(c) || !Character.isDefined(c));
    }

    /** The full text when printable, else {@code 0x}-prefixed hex of every byte. */
    public static String display(ByteString bytes) {
        return isPrintable(bytes) ? bytes.toStringUtf8() : hex(bytes, bytes.size());
    }

    /**
     * A short rendering for messages: printable text in double quotes ({@code "} and
     * {@code \} escaped) or hex, cut after {@value #DESCRIBE_LIMIT} characters with the size
     * appended.
     */
    public static String describe(ByteString bytes) {
        if (isPrintable(bytes)) {
            String text = bytes.toStringUtf8();
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
        int shown = Math.min(bytes.size(), DESCRIBE_LIMIT / 2);
        String hex = hex(bytes, shown);
        return shown < bytes.size() ? hex + "... (" + bytes.size() + " bytes)" : hex;
    }

    private static String hex(ByteString bytes, int count) {
        StringBuilder hex = new StringBuilder(2 + 2 * count).append("0x");
        for (int i = 0; i < count; i++) {
            hex.append(Character.forDigit((bytes.byteAt(i) >> 4) & 0xF, 16))
                    .append(Character.forDigit(bytes.byteAt(i) & 0xF, 16));
        }
        return hex.toString();
    }
}
