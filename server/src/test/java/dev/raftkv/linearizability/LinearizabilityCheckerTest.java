package dev.raftkv.linearizability;

import static dev.raftkv.linearizability.CheckResult.Verdict.LINEARIZABLE;
import static dev.raftkv.linearizability.CheckResult.Verdict.NOT_LINEARIZABLE;
import static dev.raftkv.linearizability.CheckResult.Verdict.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private static final ByteString K = b("k");

    static ByteString b(String text) {
        return ByteString.copyFromUtf8(text);
    }

    private static Operation op(int client, Input input, Output output, long call, long ret) {
        return Operation.completed(client, K, input, output, call, ret);
    }

    private static Operation put(int client, String value, String previous, long call, long ret) {
        return op(client, Input.put(b(value)), previous == null ? Output.absent() : Output.value(b(previous)), call, ret);
    }

    private static Operation get(int client, String value, long call, long ret) {
        return op(client, Input.get(), value == null ? Output.absent() : Output.value(b(value)), call, ret);
    }

    private static Operation add(int client, long delta, long result, long call, long ret) {
        return op(client, Input.add(delta), Output.number(result), call, ret);
    }

    private static CheckResult check(Operation... history) {
        return LinearizabilityChecker.check(List.of(history));
    }

    @Nested
    class Linearizable {

        @Test
        void an_empty_history_is_linearizable() {
            assertThat(check().verdict()).isEqualTo(LINEARIZABLE);
        }

        @Test
        void a_sequential_history_that_follows_the_model_is_linearizable() {
            assertThat(check(
                    put(0, "a", null, 0, 1),
                    get(0, "a", 2, 3),
                    op(0, Input.delete(), Output.value(b("a")), 4, 5),
                    get(0, null, 6, 7),
                    add(0, 5, 5, 8, 9),
                    op(0, Input.cas(b("5"), b("x")), Output.casOk(), 10, 11),
                    op(0, Input.add(1), Output.notANumber(), 12, 13),
                    op(0, Input.casAbsent(b("y")), Output.casMismatch(b("x")), 14, 15)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void a_read_concurrent_with_a_write_may_see_the_old_or_the_new_value() {
            assertThat(check(put(0, "a", null, 0, 1), put(1, "b", "a", 2, 10), get(2, "a", 3, 4)).verdict())
                    .isEqualTo(LINEARIZABLE);
            assertThat(check(put(0, "a", null, 0, 1), put(1, "b", "a", 2, 10), get(2, "b", 3, 4)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void concurrent_writes_may_take_effect_in_either_order_if_outputs_agree() {
            // b listed (and called) first, but a took effect first.
            assertThat(check(put(1, "b", "a", 0, 10), put(0, "a", null, 1, 9), get(2, "b", 11, 12)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void operations_whose_intervals_touch_are_concurrent() {
            assertThat(check(put(0, "a", null, 0, 5), get(1, null, 5, 6)).verdict()).isEqualTo(LINEARIZABLE);
        }

        @Test
        void an_unknown_outcome_may_have_taken_effect() {
            assertThat(check(
                    put(0, "a", null, 0, 1),
                    Operation.timedOut(1, K, Input.put(b("b")), 2),
                    get(2, "b", 100, 101)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void an_unknown_outcome_may_never_have_taken_effect() {
            assertThat(check(
                    put(0, "a", null, 0, 1),
                    Operation.timedOut(1, K, Input.put(b("b")), 2),
                    get(2, "a", 100, 101),
                    get(2, "a", 102, 103)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void an_unknown_outcome_may_take_effect_long_after_its_call() {
            assertThat(check(
                    Operation.timedOut(1, K, Input.add(10), 0),
                    add(0, 1, 1, 5, 6),
                    add(0, 1, 12, 7, 8)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void of_two_concurrent_cas_on_one_expected_value_one_wins() {
            assertThat(check(
                    put(0, "a", null, 0, 1),
                    op(1, Input.cas(b("a"), b("x")), Output.casMismatch(b("y")), 2, 10),
                    op(2, Input.cas(b("a"), b("y")), Output.casOk(), 3, 9)).verdict())
                    .isEqualTo(LINEARIZABLE);
        }

        @Test
        void keys_are_independent() {
            assertThat(LinearizabilityChecker.check(List.of(
                    Operation.completed(0, b("x"), Input.put(b("1")), Output.absent(), 0, 10),
                    Operation.completed(1, b("y"), Input.get(), Output.absent(), 2, 3),
                    Operation.completed(1, b("x"), Input.get(), Output.value(b("1")), 4, 5))).verdict())
                    .isEqualTo(LINEARIZABLE);
        }
    }

    @Nested
    class NotLinearizable {

        @Test
        void a_stale_read_after_a_completed_write() {
            CheckResult result = check(put(0, "a", null, 0, 1), put(0, "b", "a", 2, 3), get(1, "a", 4, 5));

            assertThat(result.verdict()).isEqualTo(NOT_LINEARIZABLE);
            assertThat(result.key()).isEqualTo(K);
            assertThat(result.explanation())
                    .contains("2 of 3 operations")
                    .contains("in state \"b\"")
                    .contains("c1 \"k\" get() -> \"a\" [4, 5] returned");
        }

        @Test
        void a_lost_write() {
            assertThat(check(put(0, "a", null, 0, 1), put(1, "b", null, 2, 3)).verdict()).isEqualTo(NOT_LINEARIZABLE);
        }

        @Test
        void a_lost_update_of_concurrent_adds() {
            assertThat(check(add(0, 1, 1, 0, 10), add(1, 1, 1, 0, 10)).verdict()).isEqualTo(NOT_LINEARIZABLE);
        }

        @Test
        void a_read_of_a_value_never_written() {
            CheckResult result = check(put(0, "a", null, 0, 10), get(1, "zz", 1, 2));

            assertThat(result.verdict()).isEqualTo(NOT_LINEARIZABLE);
            assertThat(result.explanation()).contains("\"zz\"");
        }

        @Test
        void add_results_that_skip_a_step() {
            assertThat(check(add(0, 1, 1, 0, 1), add(0, 1, 3, 2, 3)).verdict()).isEqualTo(NOT_LINEARIZABLE);
        }

        @Test
        void add_reporting_not_a_number_on_a_number() {
            assertThat(check(add(0, 1, 1, 0, 1), op(0, Input.add(1), Output.notANumber(), 2, 3)).verdict())
                    .isEqualTo(NOT_LINEARIZABLE);
        }

        @Test
        void two_cas_succeeding_on_the_same_expected_value() {
            assertThat(check(
                    put(0, "a", null, 0, 1),
                    op(1, Input.cas(b("a"), b("x")), Output.casOk(), 2, 10),
                    op(2, Input.cas(b("a"), b("y")), Output.casOk(), 3, 9)).verdict())
                    .isEqualTo(NOT_LINEARIZABLE);
        }

        @Test
        void an_unknown_outcome_cannot_act_before_its_call() {
            assertThat(check(get(0, "b", 0, 1), Operation.timedOut(1, K, Input.put(b("b")), 2)).verdict())
                    .isEqualTo(NOT_LINEARIZABLE);
        }

        @Test
        void the_first_failing_key_is_reported() {
            CheckResult result = LinearizabilityChecker.check(List.of(
                    Operation.completed(0, b("fine"), Input.get(), Output.absent(), 0, 1),
                    Operation.completed(0, b("bad"), Input.get(), Output.value(b("ghost")), 0, 1)));

            assertThat(result.verdict()).isEqualTo(NOT_LINEARIZABLE);
            assertThat(result.key()).isEqualTo(b("bad"));
            assertThat(result.toString()).startsWith("NOT_LINEARIZABLE on key \"bad\"");
        }
    }

    @Test
    void when_the_budget_runs_out_then_the_answer_is_unknown() {
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            history.add(add(i, 1, i + 1, 0, 100));
        }
        history.add(get(99, "ghost", 200, 201));

        CheckResult result = LinearizabilityChecker.check(history, 50);

        assertThat(result.verdict()).isEqualTo(UNKNOWN);
        assertThat(result.explanation()).startsWith("budget exhausted after 50 steps on 41 operations");
    }

    @Test
    void many_concurrent_operations_are_checked_quickly_thanks_to_memoization() {
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            history.add(add(i, 1, 40 - i, 0, 100));
        }
        history.add(get(99, "40", 200, 201));

        assertThat(LinearizabilityChecker.check(history, 100_000).verdict()).isEqualTo(LINEARIZABLE);
        history.set(history.size() - 1, get(99, "41", 200, 201));
        assertThat(LinearizabilityChecker.check(history, 100_000).verdict()).isEqualTo(NOT_LINEARIZABLE);
    }

    @Test
    void many_interchangeable_timed_out_writes_cost_one_configuration_per_count() {
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            history.add(Operation.timedOut(i, K, Input.add(1), 0));
        }
        history.add(get(99, "31", 10, 11));

        assertThat(LinearizabilityChecker.check(history, 10_000).verdict()).isEqualTo(NOT_LINEARIZABLE);
        history.set(history.size() - 1, get(99, "17", 10, 11));
        assertThat(LinearizabilityChecker.check(history, 10_000).verdict()).isEqualTo(LINEARIZABLE);
    }

    @Test
    void timed_out_writes_may_combine_to_explain_a_later_value() {
        List<Operation> history = new ArrayList<>();
        for (int bit = 0; bit < 4; bit++) {
            history.add(Operation.timedOut(bit, K, Input.add(1L << bit), bit));
        }
        history.add(get(99, "11", 10, 11));

        assertThat(LinearizabilityChecker.check(history).verdict()).isEqualTo(LINEARIZABLE);
        history.set(history.size() - 1, get(99, "16", 10, 11));
        assertThat(LinearizabilityChecker.check(history).verdict()).isEqualTo(NOT_LINEARIZABLE);
    }

    @Test
    void timed_out_reads_are_ignored() {
        assertThat(check(put(0, "a", null, 0, 1), Operation.timedOut(1, K, Input.get(), 0)).verdict())
                .isEqualTo(LINEARIZABLE);
    }

    @Test
    void an_output_that_cannot_answer_the_input_is_refused() {
        assertThatThrownBy(() -> op(0, Input.get(), Output.number(1), 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> op(0, Input.get(), Output.absent(), 2, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
