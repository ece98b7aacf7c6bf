package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Received;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    private static final Duration CALL_TIMEOUT = Duration.ofMillis(100);

    private final FakeCluster cluster = FakeCluster.start(3);
    private final RaftKvClient client = RaftKvClient.create(TestClients.options(cluster.endpoints())
            .callTimeout(CALL_TIMEOUT)
            .operationTimeout(Duration.ofMillis(1500))
            .build());

    @BeforeEach
    void connectToEveryNode() {
        // Connection set-up counts against the short call timeout; do it before the test proper.
        for (String address : client.knownAddresses()) {
            client.blocking().status(address);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void when_a_call_is_sent_then_it_carries_a_deadline_within_the_call_timeout() {
        client.blocking().put("k", "v");

        assertThat(cluster.received()).allSatisfy(r -> assertThat(r.deadline()).isNotNull());
        assertThat(cluster.received()).allSatisfy(r ->
                assertThat(r.deadline().timeRemaining(TimeUnit.NANOSECONDS)).isLessThanOrEqualTo(CALL_TIMEOUT.toNanos()));
    }

    @Test
    void when_no_write_is_ever_answered_then_it_fails_as_outcome_unknown_after_retries_with_one_header() {
        client.blocking().put("warm", "up");
        cluster.blackhole("Put");

        assertThatThrownBy(() -> client.blocking().put("k", "v"))
                .isInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("operation timeout");

        List<Received> attempts = cluster.received("Put").subList(1, cluster.received("Put").size());
        assertThat(attempts).hasSizeGreaterThanOrEqualTo(2);
        assertThat(attempts).extracting(Received::write).containsOnly(attempts.get(0).write());
    }

    @Test
    void when_no_read_is_ever_answered_then_it_fails_as_unavailable() {
        cluster.blackhole("Get");

        assertThatThrownBy(() -> client.blocking().get(bytes("k")))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("DEADLINE_EXCEEDED");
        assertThat(cluster.received("Get")).hasSizeGreaterThanOrEqualTo(2);
    }
}
