package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Received;
import dev.raftkv.proto.WriteHeader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    private static final Duration CALL_TIMEOUT = Duration.ofMillis(200);

    private final FakeCluster cluster = FakeCluster.start(3);
    private final RaftKvClient client = RaftKvClient.create(TestClients.options(cluster.endpoints())
            .callTimeout(CALL_TIMEOUT)
            .operationTimeout(Duration.ofSeconds(3))
            .build());

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void when_a_call_is_sent_then_it_carries_a_deadline_within_the_call_timeout() {
        Duration callTimeout = Duration.ofSeconds(2);
        try (RaftKvClient patient = RaftKvClient.create(TestClients.options(cluster.endpoints())
                .callTimeout(callTimeout).build())) {
            patient.blocking().put("k", "v");
            patient.blocking().get("k");
        }

        assertThat(cluster.received()).isNotEmpty().allSatisfy(r -> assertThat(r.deadline()).isNotNull());
        assertThat(cluster.received()).allSatisfy(r ->
                assertThat(r.deadline().timeRemaining(TimeUnit.NANOSECONDS)).isLessThanOrEqualTo(callTimeout.toNanos()));
    }

    @Test
    void when_no_write_is_ever_answered_then_it_fails_as_outcome_unknown_after_retries_with_one_header() {
        cluster.blackhole("Put");

        assertThatThrownBy(() -> client.blocking().put("k", "v"))
                .isInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("operation timeout");

        List<WriteHeader> attempts = cluster.received("Put").stream().map(Received::write).toList();
        assertThat(attempts).hasSizeGreaterThanOrEqualTo(2);
        assertThat(attempts).containsOnly(attempts.get(0));
    }

    @Test
    void when_no_read_is_ever_answered_then_it_fails_as_unavailable() {
        cluster.blackhole("Get");

        assertThatThrownBy(() -> client.blocking().get(bytes("k")))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("DEADLINE_EXCEEDED");
        assertThat(cluster.received("Get")).isNotEmpty();
    }
}
