package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.client.fake.Fault;
import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Received;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RetryTest {

    private final FakeCluster cluster = FakeCluster.start(3);
    private final RaftKvClient client = TestClients.client(cluster.endpoints());

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @ParameterizedTest
    @EnumSource(names = {"DEADLINE_EXCEEDED", "UNAVAILABLE"})
    void when_a_write_reply_is_lost_then_the_retry_carries_the_same_session_and_sequence_and_applies_once(
            Status.Code lostWith) {
        cluster.inject(Fault.loseReply("Add", lostWith));

        long number = client.blocking().add(bytes("counter"), 5);

        assertThat(number).isEqualTo(5);
        assertThat(cluster.store().get(bytes("counter"))).isEqualTo(bytes("5"));
        List<Received> adds = cluster.received("Add");
        assertThat(adds).hasSize(2);
        assertThat(adds.get(1).write().getSessionId()).isEqualTo(adds.get(0).write().getSessionId());
        assertThat(adds.get(1).write().getSequence()).isEqualTo(adds.get(0).write().getSequence()).isEqualTo(1);
        assertThat(cluster.store().executions()).isEqualTo(1);
    }

    @Test
    void when_the_proposal_queue_is_full_then_the_write_is_retried_until_accepted() {
        cluster.inject(Fault.fail("Put", Status.Code.RESOURCE_EXHAUSTED));
        cluster.inject(Fault.fail("Put", Status.Code.RESOURCE_EXHAUSTED));

        client.blocking().put("k", "v");

        List<Received> puts = cluster.received("Put");
        assertThat(puts).hasSize(3);
        assertThat(puts).extracting(Received::write).containsOnly(puts.get(0).write());
    }

    @Test
    void when_a_read_meets_unavailable_then_it_is_retried() {
        client.blocking().put("k", "v");
        cluster.inject(Fault.fail("Get", Status.Code.UNAVAILABLE));

        assertThat(client.blocking().get("k").valueUtf8()).isEqualTo("v");
        assertThat(cluster.received("Get")).hasSize(2);
    }

    @Test
    void when_the_server_refuses_an_invalid_argument_then_it_is_not_retried_and_the_message_is_kept() {
        assertThatThrownBy(() -> client.blocking().put("", "v"))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("key: must not be empty");
        assertThatThrownBy(() -> client.blocking().get(""))
                .isInstanceOf(InvalidArgumentException.class);

        assertThat(cluster.received("Put")).hasSize(1);
        assertThat(cluster.received("Get")).hasSize(1);
    }

    @Test
    void when_a_cas_expectation_fails_then_the_mismatch_carries_the_current_value() {
        client.blocking().put("k", "current");

        assertThatThrownBy(() -> client.blocking().compareAndSet(bytes("k"), bytes("other"), bytes("new")))
                .isInstanceOfSatisfying(CasMismatchException.class, e -> {
                    assertThat(e.found()).isTrue();
                    assertThat(e.currentValue()).isEqualTo(bytes("current"));
                });
        assertThatThrownBy(() -> client.blocking().putIfAbsent(bytes("k"), bytes("new")))
                .isInstanceOf(CasMismatchException.class);
        assertThatThrownBy(() -> client.blocking().compareAndSet(bytes("absent"), bytes("x"), bytes("new")))
                .isInstanceOfSatisfying(CasMismatchException.class, e -> assertThat(e.found()).isFalse());
        assertThat(cluster.received("CompareAndSet")).hasSize(3);
    }

    @Test
    void when_a_cas_expectation_holds_then_the_value_is_set() {
        client.blocking().putIfAbsent(bytes("k"), bytes("one"));
        client.blocking().compareAndSet(bytes("k"), bytes("one"), bytes("two"));

        assertThat(client.blocking().get("k").valueUtf8()).isEqualTo("two");
    }

    @Test
    void when_add_meets_a_non_number_or_overflows_then_typed_exceptions_surface() {
        client.blocking().put("text", "abc");
        client.blocking().add(bytes("big"), Long.MAX_VALUE);

        assertThatThrownBy(() -> client.blocking().add(bytes("text"), 1)).isInstanceOf(NotANumberException.class);
        assertThatThrownBy(() -> client.blocking().add(bytes("big"), 1)).isInstanceOf(OverflowException.class);
        assertThat(cluster.received("Add")).hasSize(3);
    }

    @Test
    void when_put_and_delete_succeed_then_results_tell_the_previous_value() {
        assertThat(client.blocking().put("k", "1")).isEqualTo(new WriteResult(false, bytes("")));
        assertThat(client.blocking().put("k", "2")).isEqualTo(new WriteResult(true, bytes("1")));
        assertThat(client.blocking().delete(bytes("k"))).isEqualTo(new WriteResult(true, bytes("2")));
        assertThat(client.blocking().get("k").found()).isFalse();
    }

    @Test
    void when_an_unexpected_status_ends_a_write_then_the_outcome_is_unknown() {
        cluster.inject(Fault.fail("Put", Status.Code.INTERNAL));

        assertThatThrownBy(() -> client.blocking().put("k", "v"))
                .isInstanceOf(OutcomeUnknownException.class)
                .hasMessageStartingWith("outcome unknown");
        assertThat(cluster.received("Put")).hasSize(1);
    }
}
