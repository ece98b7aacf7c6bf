package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmallPartsTest {

    @ParameterizedTest
    @CsvSource({"1, 10", "2, 20", "3, 40", "4, 80", "5, 100", "60, 100"})
    void backoff_ceiling_doubles_up_to_the_maximum(int retry, long ceilingMillis) {
        Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), new Random(TestClients.SEED));

        assertThat(backoff.ceilingNanos(retry)).isEqualTo(Duration.ofMillis(ceilingMillis).toNanos());
    }

    @Test
    void backoff_delay_is_jittered_within_the_ceiling() {
        Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), new Random(TestClients.SEED));

        for (int retry = 1; retry < 20; retry++) {
            assertThat(backoff.delayNanos(retry)).isBetween(0L, backoff.ceilingNanos(retry));
        }
    }

    @Test
    void endpoints_are_parsed_trimmed_and_deduplicated() {
        assertThat(Endpoints.parse(" a:1, b:2 ,a:1,")).containsExactly("a:1", "b:2");
        assertThatThrownBy(() -> Endpoints.parse(" , ")).hasMessageContaining("no endpoints");
        assertThatThrownBy(() -> Endpoints.parse("host")).hasMessageContaining("not host:port");
        assertThatThrownBy(() -> Endpoints.parse("host:x")).hasMessageContaining("non-numeric");
        assertThatThrownBy(() -> Endpoints.parse("host:70000")).hasMessageContaining("outside");
    }

    @ParameterizedTest
    @CsvSource({"ab, ac", "a, b"})
    void prefix_end_increments_the_last_byte(String prefix, String end) {
        assertThat(ScanRange.prefixEnd(bytes(prefix))).isEqualTo(bytes(end));
    }

    @Test
    void prefix_end_drops_trailing_ff_bytes_and_is_unbounded_when_none_is_left() {
        assertThat(ScanRange.prefixEnd(ByteString.copyFrom(new byte[] {1, (byte) 0xFF}))).isEqualTo(ByteString.copyFrom(new byte[] {2}));
        assertThat(ScanRange.prefixEnd(ByteString.copyFrom(new byte[] {(byte) 0xFF}))).isEmpty();
        assertThat(ScanRange.prefixEnd(ByteString.EMPTY)).isEmpty();
    }

    @Test
    void continuing_a_prefix_scan_is_the_range_after_the_last_key_to_the_prefix_end() {
        ScanRange next = ScanRange.prefix(bytes("user/")).after(bytes("user/7"));

        assertThat(next).isEqualTo(ScanRange.range(bytes("user/7\0"), bytes("user0")));
    }

    @Test
    void acked_sequence_is_one_below_the_lowest_outstanding_or_the_last_sequence() {
        ClientSession session = new ClientSession(7);
        long first = session.begin();
        long second = session.begin();
        assertThat(session.ackedSequence()).isZero();
        session.end(second);
        assertThat(session.ackedSequence()).isZero();
        session.end(first);
        assertThat(session.ackedSequence()).isEqualTo(2);
        assertThat(session.header(session.begin()).getAckedSequence()).isEqualTo(2);
    }

    @Test
    void bytes_are_described_as_quoted_text_or_hex() {
        assertThat(Bytes.describe(bytes("a\"b"))).isEqualTo("\"a\\\"b\"");
        assertThat(Bytes.describe(ByteString.copyFrom(new byte[] {0, 15}))).isEqualTo("0x000f");
        assertThat(Bytes.display(bytes("plain"))).isEqualTo("plain");
    }
}
