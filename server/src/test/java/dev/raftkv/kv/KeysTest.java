package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeysTest {

    private static ByteString hex(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    @ParameterizedTest(name = "prefixEnd(0x{0}) = 0x{1}")
    @CsvSource(value = {
        "61,       62",
        "6161,     6162",
        "61ff,     62",
        "61ffff,   62",
        "00,       01",
        "7f,       80",
        "fe,       ff",
        "ff,       ''",
        "ffff,     ''",
        "'',       ''",
        "01ff02ff, 01ff03",
    })
    void prefixEnd_is_the_least_key_above_every_key_with_the_prefix(String prefix, String end) {
        assertThat(Keys.prefixEnd(hex(prefix))).isEqualTo(hex(end));
    }

    @ParameterizedTest(name = "describe({0}) = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "616263     | \"abc\"",
        "``         | \"\"",
        "61226263   | \"a\\\"bc\"",
        "615c62     | \"a\\\\b\"",
        "c3a9       | \"\u00e9\"",
        "00ff       | 0x00ff",
        "610a62     | 0x610a62",
        "c3         | 0xc3",
    })
    void describe_quotes_printable_text_and_shows_the_rest_in_hex(String bytes, String expected) {
        assertThat(Keys.describe(hex(bytes))).isEqualTo(expected);
    }

    @Test
    void describe_cuts_long_keys_and_gives_their_size() {
        assertThat(Keys.describe(ByteString.copyFromUtf8("k".repeat(100))))
                .isEqualTo("\"" + "k".repeat(Keys.DESCRIBE_LIMIT) + "\"... (100 bytes)");
        assertThat(Keys.describe(ByteString.copyFrom(new byte[40])))
                .isEqualTo("0x" + "00".repeat(Keys.DESCRIBE_LIMIT / 2) + "... (40 bytes)");
    }
}
