package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import java.util.OptionalLong;

/**
 * The text form of the numbers that ADD keeps in values: ASCII decimal, an optional
 * {@code +} or {@code -} sign, at least one digit, leading zeros allowed, within the
 * signed 64-bit range. Nothing else (no spaces, no Unicode digits, no exponent).
 * Pure functions; any thread.
 */
final class DecimalNumbers {

    private DecimalNumbers() {}

    /** The number {@code text} holds, or empty if it is not a decimal signed 64-bit integer. */
    static OptionalLong parse(ByteString text) {
        int size = text.size();
        int firstDigit = size > 0 && (text.byteAt(0) == '-' || text.byteAt(0) == '+') ? 1 : 0;
        if (size == firstDigit) {
            return OptionalLong.empty();
        }
        for (int i = firstDigit; i < size; i++) {
            byte b = text.byteAt(i);
            if (b < '0' || b > '9') {
                return OptionalLong.empty();
            }
        }
        try {
            // Only ASCII digits remain, so the one way parseLong fails is the range.
            return OptionalLong.of(Long.parseLong(text.toStringUtf8()));
        } catch (NumberFormatException outOfRange) {
            return OptionalLong.empty();
        }
    }

    /** The canonical text of {@code number}: no sign when positive, no leading zeros. */
    static ByteString format(long number) {
        return ByteString.copyFromUtf8(Long.toString(number));
    }
}
