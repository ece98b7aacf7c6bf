package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.SplittableRandom;
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
    void order_agrees_with_protobufs_unsigned_comparator_in_sign_for_random_keys() {
        long seed = Long.getLong("raftkv.keys.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        Comparator<ByteString> reference = ByteString.unsignedLexicographicalComparator();
        for (int round = 0; round < 20_000; round++) {
            ByteString a = randomKey(random);
            // often a key that shares a prefix with a, so that the comparison reaches deep bytes and lengths
            ByteString b = random.nextBoolean() ? randomKey(random)
                    : a.substring(0, random.nextInt(a.size() + 1)).concat(randomKey(random));
            assertThat(Integer.signum(Keys.ORDER.compare(a, b)))
                    .as("seed %d (replay with -Draftkv.keys.seed=%d): %s vs %s", seed, seed, a, b)
                    .isEqualTo(Integer.signum(reference.compare(a, b)));
        }
    }

    private static ByteString randomKey(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(6)];
        for (int i = 0; i < bytes.length; i++) {
            // mostly the extremes, where signed and unsigned orders differ
            bytes[i] = (byte) (random.nextBoolean() ? random.nextInt(256) : random.nextBoolean() ? 0x7F : 0x80);
        }
        return ByteString.copyFrom(bytes);
    }

    @Test
    void describe_cuts_long_keys_and_gives_their_size() {
        assertThat(Keys.describe(ByteString.copyFromUtf8("k".repeat(100))))
                .isEqualTo("\"" + "k".repeat(Keys.DESCRIBE_LIMIT) + "\"... (100 bytes)");
        assertThat(Keys.describe(ByteString.copyFrom(new byte[40])))
                .isEqualTo("0x" + "00".repeat(Keys.DESCRIBE_LIMIT / 2) + "... (40 bytes)");
    }
}
