package dev.raftkv.kv;

import static dev.raftkv.kv.Commands.add;
import static dev.raftkv.kv.Commands.bytes;
import static dev.raftkv.kv.Commands.cas;
import static dev.raftkv.kv.Commands.casAbsent;
import static dev.raftkv.kv.Commands.delete;
import static dev.raftkv.kv.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CommandResult.Code;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

    private final KvStateMachine machine = new KvStateMachine();
    private long index;

    private CommandResult apply(Command command) {
        return machine.apply(++index, command);
    }

    private ByteString value(String key) {
        return machine.get(bytes(key)).orElse(null);
    }

    @Nested
    class Put {

        @Test
        void when_key_is_absent_then_put_stores_it_and_reports_not_found() {
            CommandResult result = apply(put("k", "v1"));

            assertThat(result).isEqualTo(CommandResult.newBuilder().setRevision(2).build());
            assertThat(value("k")).isEqualTo(bytes("v1"));
        }

        @Test
        void when_key_is_present_then_put_replaces_it_and_returns_the_previous_value() {
            apply(put("k", "v1"));

            CommandResult result = apply(put("k", "v2"));

            assertThat(result.getCode()).isEqualTo(Code.OK);
            assertThat(result.getFound()).isTrue();
            assertThat(result.getValue()).isEqualTo(bytes("v1"));
            assertThat(value("k")).isEqualTo(bytes("v2"));
        }

        @Test
        void empty_keys_and_values_are_ordinary() {
            apply(put("", ""));

            assertThat(machine.get(ByteString.EMPTY)).contains(ByteString.EMPTY);
            assertThat(apply(put("", "x")).getFound()).isTrue();
        }
    }

    @Nested
    class Delete {

        @Test
        void when_key_is_present_then_delete_removes_it_and_returns_the_previous_value() {
            apply(put("k", "v"));

            CommandResult result = apply(delete("k"));

            assertThat(result.getFound()).isTrue();
            assertThat(result.getValue()).isEqualTo(bytes("v"));
            assertThat(machine.get(bytes("k"))).isEmpty();
            assertThat(machine.size()).isZero();
        }

        @Test
        void when_key_is_absent_then_delete_reports_not_found() {
            assertThat(apply(delete("k"))).isEqualTo(CommandResult.newBuilder().setRevision(1).build());
        }
    }

    @Nested
    class Add {

        @Test
        void when_key_is_absent_then_add_counts_from_zero() {
            CommandResult result = apply(add("n", -5));

            assertThat(result.getCode()).isEqualTo(Code.OK);
            assertThat(result.getNumber()).isEqualTo(-5);
            assertThat(value("n")).isEqualTo(bytes("-5"));
        }

        @Test
        void when_value_is_a_number_then_add_stores_the_sum_as_canonical_decimal_text() {
            apply(put("n", "+0040"));

            assertThat(apply(add("n", 2)).getNumber()).isEqualTo(42);
            assertThat(value("n")).isEqualTo(bytes("42"));
        }

        @Test
        void when_value_is_not_a_number_then_add_fails_naming_the_key_and_changes_nothing() {
            apply(put("counter", "ten"));

            CommandResult result = apply(add("counter", 1));

            assertThat(result.getCode()).isEqualTo(Code.NOT_A_NUMBER);
            assertThat(result.getMessage()).contains("\"counter\"").contains("\"ten\"");
            assertThat(value("counter")).isEqualTo(bytes("ten"));
        }

        @Test
        void when_sum_overflows_then_add_fails_and_changes_nothing() {
            apply(put("n", Long.toString(Long.MAX_VALUE)));

            CommandResult result = apply(add("n", 1));

            assertThat(result.getCode()).isEqualTo(Code.OVERFLOW);
            assertThat(result.getMessage()).contains("\"n\"").contains("9223372036854775807 + 1");
            assertThat(value("n")).isEqualTo(bytes("9223372036854775807"));
        }

        @Test
        void when_sum_underflows_then_add_fails() {
            apply(add("n", Long.MIN_VALUE));

            assertThat(apply(add("n", -1)).getCode()).isEqualTo(Code.OVERFLOW);
            assertThat(apply(add("n", 0)).getNumber()).isEqualTo(Long.MIN_VALUE);
        }
    }

    @Nested
    class CompareAndSet {

        @Test
        void when_absence_is_expected_and_key_is_absent_then_cas_sets_the_value() {
            assertThat(apply(casAbsent("k", "v"))).isEqualTo(CommandResult.newBuilder().setRevision(2).build());
            assertThat(value("k")).isEqualTo(bytes("v"));
        }

        @Test
        void when_absence_is_expected_and_key_is_present_then_cas_reports_the_current_value() {
            apply(put("k", "old"));

            CommandResult result = apply(casAbsent("k", "v"));

            assertThat(result.getCode()).isEqualTo(Code.CAS_MISMATCH);
            assertThat(result.getFound()).isTrue();
            assertThat(result.getValue()).isEqualTo(bytes("old"));
            assertThat(value("k")).isEqualTo(bytes("old"));
        }

        @Test
        void when_expected_value_matches_then_cas_sets_the_new_value() {
            apply(put("k", "a"));

            assertThat(apply(cas("k", "a", "b")).getCode()).isEqualTo(Code.OK);
            assertThat(value("k")).isEqualTo(bytes("b"));
        }

        @Test
        void when_expected_value_differs_then_cas_reports_the_current_value_and_changes_nothing() {
            apply(put("k", "a"));

            CommandResult result = apply(cas("k", "x", "b"));

            assertThat(result.getCode()).isEqualTo(Code.CAS_MISMATCH);
            assertThat(result.getFound()).isTrue();
            assertThat(result.getValue()).isEqualTo(bytes("a"));
            assertThat(result.getMessage()).contains("\"k\"");
            assertThat(value("k")).isEqualTo(bytes("a"));
        }

        @Test
        void when_a_value_is_expected_and_key_is_absent_then_cas_reports_not_found() {
            CommandResult result = apply(cas("k", "", "b"));

            assertThat(result.getCode()).isEqualTo(Code.CAS_MISMATCH);
            assertThat(result.getFound()).isFalse();
            assertThat(machine.get(bytes("k"))).isEmpty();
        }
    }

    @Nested
    class Indexes {

        @Test
        void applied_index_follows_apply_and_skip_with_gaps_allowed() {
            assertThat(machine.appliedIndex()).isZero();
            machine.apply(3, put("k", "v"));
            machine.skip(4);
            machine.apply(10, put("k", "w"));

            assertThat(machine.appliedIndex()).isEqualTo(10);
        }

        @Test
        void when_index_does_not_increase_then_apply_throws_and_changes_nothing() {
            machine.apply(5, put("k", "v"));

            assertThatThrownBy(() -> machine.apply(5, put("k", "w")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("5");
            assertThatThrownBy(() -> machine.apply(4, put("k", "w"))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> machine.skip(5)).isInstanceOf(IllegalStateException.class);
            assertThat(value("k")).isEqualTo(bytes("v"));
            assertThat(machine.appliedIndex()).isEqualTo(5);
        }

        @Test
        void when_command_has_no_known_operation_then_apply_throws_and_changes_nothing() {
            Command unknown = Command.newBuilder().setTimestampMillis(99).build();

            assertThatThrownBy(() -> machine.apply(1, unknown))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("index 1");
            assertThat(machine.appliedIndex()).isZero();
            assertThat(machine.clockMillis()).isZero();
        }

        @Test
        void log_clock_is_the_largest_timestamp_applied() {
            apply(Commands.at(100, put("a", "1")));
            apply(Commands.at(50, put("a", "2")));

            assertThat(machine.clockMillis()).isEqualTo(100);
        }
    }

    @Nested
    class Reads {

        private void putAll(String... keys) {
            for (String key : keys) {
                apply(put(key, "v-" + key));
            }
        }

        private List<String> keys(List<KeyValue> pairs) {
            return pairs.stream().map(pair -> pair.key().toStringUtf8()).toList();
        }

        @Test
        void scan_returns_keys_in_range_in_order_up_to_the_limit() {
            putAll("d", "a", "c", "b", "e");

            assertThat(keys(machine.scan(bytes("b"), bytes("e"), 10))).containsExactly("b", "c", "d");
            assertThat(keys(machine.scan(bytes("b"), bytes("e"), 2))).containsExactly("b", "c");
            assertThat(keys(machine.scan(bytes("c"), Keys.UNBOUNDED, 10))).containsExactly("c", "d", "e");
            assertThat(keys(machine.scan(bytes("e"), bytes("b"), 10))).isEmpty();
            assertThat(machine.scan(bytes("a"), bytes("b"), 1))
                    .containsExactly(new KeyValue(bytes("a"), bytes("v-a")));
        }

        @Test
        void scan_orders_keys_by_unsigned_bytes() {
            ByteString high = ByteString.copyFrom(new byte[] {(byte) 0x80});
            ByteString low = ByteString.copyFrom(new byte[] {0x7f});
            apply(Command.newBuilder().setPut(dev.raftkv.proto.Put.newBuilder().setKey(high)).build());
            apply(Command.newBuilder().setPut(dev.raftkv.proto.Put.newBuilder().setKey(low)).build());

            assertThat(machine.scan(ByteString.EMPTY, Keys.UNBOUNDED, 10))
                    .extracting(KeyValue::key).containsExactly(low, high);
        }

        @Test
        void prefix_scan_returns_exactly_the_keys_with_the_prefix() {
            putAll("user/1", "user/2", "user0", "use", "user/", "users");

            assertThat(keys(machine.scanPrefix(bytes("user/"), 10))).containsExactly("user/", "user/1", "user/2");
            assertThat(keys(machine.scanPrefix(ByteString.EMPTY, 100))).hasSize(6);
        }

        @Test
        void prefix_scan_handles_prefixes_ending_in_0xff() {
            ByteString prefix = ByteString.copyFrom(new byte[] {'a', (byte) 0xff});
            ByteString inside = prefix.concat(bytes("x"));
            ByteString after = bytes("b");
            for (ByteString key : List.of(inside, after, bytes("a"))) {
                apply(Command.newBuilder().setPut(dev.raftkv.proto.Put.newBuilder().setKey(key)).build());
            }

            assertThat(machine.scanPrefix(prefix, 10)).extracting(KeyValue::key).containsExactly(inside);
        }

        @Test
        void when_limit_is_not_positive_then_scan_throws() {
            assertThatThrownBy(() -> machine.scan(ByteString.EMPTY, Keys.UNBOUNDED, 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void size_counts_keys_holding_a_value() {
            putAll("a", "b", "a");
            apply(delete("b"));

            assertThat(machine.size()).isEqualTo(1);
        }
    }
}
