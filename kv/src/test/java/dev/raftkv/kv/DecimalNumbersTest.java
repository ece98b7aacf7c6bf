package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecimalNumbersTest {

    @ParameterizedTest(name = "\"{0}\" is {1}")
    @CsvSource(delimiter = '|', value = {
        "0                    | 0",
        "-0                   | 0",
        "+7                   | 7",
        "007                  | 7",
        "-42                  | -42",
        "9223372036854775807  | 9223372036854775807",
        "-9223372036854775808 | -9223372036854775808",
        "00000000000000000000001 | 1",
    })
    void when_text_is_a_decimal_long_then_it_parses(String text, long expected) {
        assertThat(DecimalNumbers.parse(ByteString.copyFromUtf8(text))).isEqualTo(OptionalLong.of(expected));
    }

    @ParameterizedTest(name = "\"{0}\" is not a number")
    @ValueSource(strings = {
        "", "-", "+", "--1", "+-1", " 1", "1 ", "1.0", "1e3", "0x10", "abc", "1_000",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999",
        "\u0663", // ARABIC-INDIC DIGIT THREE: Long.parseLong would take it
        "\uff11", // FULLWIDTH DIGIT ONE
    })
    void when_text_is_not_a_decimal_long_then_it_does_not_parse(String text) {
        assertThat(DecimalNumbers.parse(ByteString.copyFromUtf8(text))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "-5, -5", "9223372036854775807, 9223372036854775807"})
    void when_formatted_then_text_is_canonical(long number, String expected) {
        assertThat(DecimalNumbers.format(number).toStringUtf8()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1234567890123L})
    void when_formatted_then_parse_gives_the_number_back(long number) {
        assertThat(DecimalNumbers.parse(DecimalNumbers.format(number))).hasValue(number);
    }
}
