package dev.raftkv.kv;

import static dev.raftkv.kv.Commands.add;
import static dev.raftkv.kv.Commands.at;
import static dev.raftkv.kv.Commands.bytes;
import static dev.raftkv.kv.Commands.closeSession;
import static dev.raftkv.kv.Commands.inSession;
import static dev.raftkv.kv.Commands.openSession;
import static dev.raftkv.kv.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CommandResult.Code;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Client sessions and exactly-once writes, Ongaro thesis §6.3. */
class ExactlyOnceSessionsTest {

    private static final SessionLimits LIMITS = new SessionLimits(Duration.ofSeconds(10), 3);

    private final KvStateMachine machine = new KvStateMachine(LIMITS);
    private long index;

    private CommandResult apply(Command command) {
        return machine.apply(++index, command);
    }

    private long open(long timestampMillis) {
        CommandResult result = apply(at(timestampMillis, openSession()));
        assertThat(result.getCode()).isEqualTo(Code.OK);
        return result.getSessionId();
    }

    private long counter() {
        return machine.get(bytes("n")).map(v -> Long.parseLong(v.toStringUtf8())).orElse(0L);
    }

    @Nested
    class Dedup {

        @Test
        void session_id_is_the_log_index_of_the_open_command() {
            index = 41;

            assertThat(open(0)).isEqualTo(42);
            assertThat(machine.isSessionOpen(42)).isTrue();
        }

        @Test
        void when_a_write_is_retried_then_it_is_applied_once_and_the_retry_gets_the_first_result() {
            long session = open(0);

            CommandResult first = apply(inSession(add("n", 5), session, 1, 0));
            CommandResult retry = apply(inSession(add("n", 5), session, 1, 0));

            assertThat(first.getNumber()).isEqualTo(5);
            assertThat(retry).isEqualTo(first);
            assertThat(counter()).isEqualTo(5);
        }

        @Test
        void when_a_retry_comes_after_a_later_sequence_then_it_still_gets_its_own_result() {
            long session = open(0);
            CommandResult first = apply(inSession(add("n", 1), session, 1, 0));
            apply(inSession(add("n", 10), session, 2, 0));

            CommandResult retry = apply(inSession(add("n", 1), session, 1, 0));

            assertThat(retry).isEqualTo(first);
            assertThat(retry.getNumber()).isEqualTo(1);
            assertThat(counter()).isEqualTo(11);
        }

        @Test
        void when_pipelined_sequences_arrive_out_of_order_then_each_is_applied_once() {
            long session = open(0);

            apply(inSession(add("n", 100), session, 3, 0));
            apply(inSession(add("n", 10), session, 2, 0));
            apply(inSession(add("n", 1), session, 1, 0));
            apply(inSession(add("n", 10), session, 2, 0));

            assertThat(counter()).isEqualTo(111);
        }

        @Test
        void when_an_error_result_is_retried_then_the_same_error_is_returned() {
            long session = open(0);
            apply(put("n", "x"));
            CommandResult first = apply(inSession(add("n", 1), session, 1, 0));
            apply(put("n", "7"));

            CommandResult retry = apply(inSession(add("n", 1), session, 1, 0));

            assertThat(first.getCode()).isEqualTo(Code.NOT_A_NUMBER);
            assertThat(retry).isEqualTo(first);
            assertThat(counter()).isEqualTo(7);
        }

        @Test
        void when_session_id_is_zero_then_every_copy_is_applied() {
            apply(inSession(add("n", 1), 0, 1, 0));
            apply(inSession(add("n", 1), 0, 1, 0));

            assertThat(counter()).isEqualTo(2);
        }

        @Test
        void when_session_is_unknown_then_the_write_is_refused_and_nothing_changes() {
            CommandResult result = apply(inSession(put("k", "v"), 77, 1, 0));

            assertThat(result.getCode()).isEqualTo(Code.SESSION_EXPIRED);
            assertThat(result.getMessage()).contains("session 77");
            assertThat(machine.size()).isZero();
        }
    }

    @Nested
    class Acknowledgements {

        @Test
        void when_a_sequence_is_acknowledged_then_its_retry_is_stale_and_not_applied() {
            long session = open(0);
            apply(inSession(add("n", 1), session, 1, 0));
            apply(inSession(add("n", 1), session, 2, 1));

            CommandResult retry = apply(inSession(add("n", 1), session, 1, 1));

            assertThat(retry.getCode()).isEqualTo(Code.SEQUENCE_STALE);
            assertThat(retry.getMessage()).contains("sequence 1").contains("acknowledged sequence 1");
            assertThat(counter()).isEqualTo(2);
        }

        @Test
        void results_above_the_acknowledged_floor_are_kept() {
            long session = open(0);
            apply(inSession(add("n", 1), session, 1, 0));
            CommandResult second = apply(inSession(add("n", 1), session, 2, 0));
            apply(inSession(add("n", 1), session, 3, 1));

            assertThat(apply(inSession(add("n", 1), session, 2, 1))).isEqualTo(second);
            assertThat(counter()).isEqualTo(3);
        }

        @Test
        void the_floor_never_goes_down() {
            long session = open(0);
            apply(inSession(add("n", 1), session, 1, 0));
            apply(inSession(add("n", 1), session, 2, 1));
            apply(inSession(add("n", 1), session, 3, 0)); // a delayed message with an older ack

            assertThat(apply(inSession(add("n", 1), session, 1, 0)).getCode()).isEqualTo(Code.SEQUENCE_STALE);
        }

        @Test
        void when_an_unapplied_sequence_is_at_or_below_the_floor_then_it_is_stale() {
            long session = open(0);

            assertThat(apply(inSession(add("n", 1), session, 0, 0)).getCode()).isEqualTo(Code.SEQUENCE_STALE);
            assertThat(apply(inSession(add("n", 1), session, 2, 5)).getCode()).isEqualTo(Code.SEQUENCE_STALE);
            assertThat(counter()).isZero();
        }
    }

    @Nested
    class Expiry {

        @Test
        void when_closed_then_a_session_refuses_writes() {
            long session = open(0);

            assertThat(apply(closeSession(session)).getCode()).isEqualTo(Code.OK);
            assertThat(apply(inSession(put("k", "v"), session, 1, 0)).getCode()).isEqualTo(Code.SESSION_EXPIRED);
            assertThat(apply(closeSession(session)).getCode()).isEqualTo(Code.SESSION_EXPIRED);
            assertThat(machine.size()).isZero();
        }

        @Test
        void when_idle_longer_than_the_timeout_on_the_log_clock_then_a_session_expires() {
            long session = open(1_000);
            apply(at(11_000, put("other", "x"))); // idle exactly 10 s: still open

            assertThat(machine.isSessionOpen(session)).isTrue();

            apply(at(11_001, put("other", "y")));

            assertThat(machine.isSessionOpen(session)).isFalse();
            assertThat(apply(at(11_001, inSession(put("k", "v"), session, 1, 0))).getCode())
                    .isEqualTo(Code.SESSION_EXPIRED);
        }

        @Test
        void when_a_command_itself_comes_after_the_timeout_then_its_session_has_expired() {
            long session = open(1_000);

            CommandResult result = apply(at(20_000, inSession(put("k", "v"), session, 1, 0)));

            assertThat(result.getCode()).isEqualTo(Code.SESSION_EXPIRED);
            assertThat(machine.get(bytes("k"))).isEmpty();
        }

        @Test
        void when_a_session_is_used_then_its_idle_time_restarts() {
            long session = open(0);
            apply(at(9_000, inSession(put("k", "1"), session, 1, 0)));
            apply(at(18_000, put("other", "x")));

            assertThat(machine.isSessionOpen(session)).isTrue();
        }

        @Test
        void an_old_timestamp_does_not_turn_the_clock_back_or_revive_a_session() {
            long session = open(0);
            apply(at(30_000, put("other", "x")));

            assertThat(apply(at(5, inSession(put("k", "v"), session, 1, 0))).getCode())
                    .isEqualTo(Code.SESSION_EXPIRED);
            assertThat(machine.clockMillis()).isEqualTo(30_000);
        }

        @Test
        void when_more_sessions_than_the_cap_are_open_then_the_least_recently_used_expires() {
            long first = open(0);
            long second = open(1);
            long third = open(2);
            apply(at(3, inSession(put("k", "v"), first, 1, 0))); // second is now least recently used

            long fourth = open(4);

            assertThat(machine.sessionCount()).isEqualTo(3);
            assertThat(machine.isSessionOpen(second)).isFalse();
            assertThat(machine.isSessionOpen(first)).isTrue();
            assertThat(machine.isSessionOpen(third)).isTrue();
            assertThat(machine.isSessionOpen(fourth)).isTrue();
        }

        @Test
        void expiry_depends_on_the_log_only() {
            KvStateMachine other = new KvStateMachine(LIMITS);
            Command[] log = {
                at(0, openSession()), at(1, openSession()), at(2, inSession(add("n", 1), 1, 1, 0)),
                at(3, openSession()), at(4, openSession()), at(15_000, inSession(add("n", 1), 2, 1, 0)),
                at(15_001, inSession(add("n", 1), 4, 1, 0)),
            };
            for (int i = 0; i < log.length; i++) {
                assertThat(other.apply(i + 1, log[i])).isEqualTo(apply(log[i]));
            }
            assertThat(other.sessionCount()).isEqualTo(machine.sessionCount()).isZero();
        }
    }
}
