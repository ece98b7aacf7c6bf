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

    /**
     * The CLI's rendering of a whole key or value, unambiguous: bytes that are not printable
     * text are {@code 0x} and the hex of every byte; printable text is shown as it is, unless it
     * starts with {@code 0x} or {@code "}: then it is shown in double quotes with {@code "} and
     * {@code \} escaped. So an output that starts with {@code 0x} is always binary, one that
     * starts with {@code "} is quoted text, and anything else is the text itself (the text
     * {@code 0x41} prints as {@code "0x41"}, the bytes 00 41 as {@code 0x0041}).
     */
    public static String display(ByteString bytes) {
        if (!isPrintable(bytes)) {
            return hex(bytes, bytes.size());
        }
        String text = bytes.toStringUtf8();
        return text.startsWith("0x") || text.startsWith("\"") ? quote(text, text.length()) : text;
    }

    /**
     * A short rendering for messages: printable text in double quotes ({@code "} and
     * {@code \} escaped) or hex, cut after {@value #DESCRIBE_LIMIT} characters with the size
     * appended.
     */
    public static String describe(ByteString bytes) {
        if (isPrintable(bytes)) {
            String text = bytes.toStringUtf8();
            int shown = Math.min(text.length(), DESCRIBE_LIMIT);
            String quoted = quote(text, shown);
            return shown < text.length() ? quoted + "... (" + bytes.size() + " bytes)" : quoted;
        }
        int shown = Math.min(bytes.size(), DESCRIBE_LIMIT / 2);
        String hex = hex(bytes, shown);
        return shown < bytes.size() ? hex + "... (" + bytes.size() + " bytes)" : hex;
    }

    /** The first {@code length} characters of {@code text} in double quotes, {@code "} and {@code \} escaped. */
    private static String quote(String text, int length) {
        StringBuilder quoted = new StringBuilder(length + 2).append('"');
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.append('"').toString();
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
