package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Fault;
import dev.raftkv.proto.CompareAndSetRequest;
import dev.raftkv.proto.ServerLimits;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests over the nodes' size limits: refused once, clearly, and never retried. */
class RequestLimitTest {

    private static final int MAX_MESSAGE_BYTES = 1 << 20;
    private static final ServerLimits LIMITS = ServerLimits.newBuilder().setMaxKeyBytes(64)
            .setMaxValueBytes(256 << 10).setMaxMessageBytes(MAX_MESSAGE_BYTES).build();
    private static final ByteString OVER_THE_MESSAGE_LIMIT = ByteString.copyFrom(new byte[2 << 20]);

    private FakeCluster cluster;
    private RaftKvClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private RaftKvClient client(boolean pipelining) {
        client = RaftKvClient.create(TestClients.options(cluster.endpoints()).pipelining(pipelining)
                .operationTimeout(Duration.ofSeconds(3)).build());
        return client;
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void when_a_value_is_over_the_reported_limit_then_it_is_refused_locally_naming_the_setting(boolean pipelining) {
        cluster = FakeCluster.start(3, MAX_MESSAGE_BYTES, LIMITS);

        assertThatThrownBy(() -> client(pipelining).blocking().put(bytes("k"), OVER_THE_MESSAGE_LIMIT))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("value is 2097152 bytes; the limit is 262144 (raftkv.kv.max-value-bytes); the Put was not sent");

        // one Status call learned the limits; the write never left the client
        assertThat(cluster.callsStarted()).containsOnlyOnce("Status").doesNotContain("Put", "Pipeline");
        assertThat(cluster.store().executions()).isZero();
    }

    @Test
    void when_the_limits_are_known_then_a_small_request_with_an_oversized_key_is_refused_locally() {
        cluster = FakeCluster.start(1, MAX_MESSAGE_BYTES, LIMITS);
        client(true).blocking().status();

        assertThatThrownBy(() -> client.blocking().put(ByteString.copyFrom(new byte[65]), bytes("v")))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("key is 65 bytes; the limit is 64 (raftkv.kv.max-key-bytes); the Put was not sent");
        assertThatThrownBy(() -> client.blocking().compareAndSet(bytes("k"), ByteString.copyFrom(new byte[300 << 10]),
                bytes("new")))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("expected_value is 307200 bytes; the limit is 262144 (raftkv.kv.max-value-bytes)");

        assertThat(cluster.callsStarted()).doesNotContain("Put", "CompareAndSet", "Pipeline");
    }

    @Test
    void when_a_node_reports_no_limits_then_an_oversized_write_goes_once_as_a_unary_call_and_is_not_retried() {
        cluster = FakeCluster.start(3, MAX_MESSAGE_BYTES, null);
        // a read in flight on a pipeline stream must not be failed by the oversized write's refusal
        Fault held = Fault.hold("Get", bytes("held"));
        cluster.inject(held);
        CompletableFuture<GetResult> read = client(true).get(bytes("held"));

        assertThatThrownBy(() -> client.blocking().put(bytes("k"), OVER_THE_MESSAGE_LIMIT))
                .isInstanceOfSatisfying(InvalidArgumentException.class, e -> assertThat(e.getMessage())
                        .startsWith("Put to ")
                        .contains("gRPC message exceeds maximum size 1048576")
                        .contains("no retry can succeed")
                        .endsWith("it was not applied"));

        assertThat(cluster.callsStarted()).filteredOn("Put"::equals).hasSize(1);
        held.release().complete(null);
        assertThat(read.join().found()).isFalse();
        assertThat(cluster.pipelineStreams()).isEqualTo(1);
    }

    @Test
    void when_a_value_is_over_grpcs_default_message_size_then_it_can_still_be_read() {
        cluster = FakeCluster.start(1, 16 << 20, null);
        ByteString value = ByteString.copyFrom(new byte[5 << 20]);
        client(true).blocking().put(bytes("big"), value);

        assertThat(client.blocking().get(bytes("big")).value()).isEqualTo(value);
    }

    @Test
    void when_a_compare_and_set_is_checked_then_each_value_and_the_key_count() {
        CompareAndSetRequest fits = CompareAndSetRequest.newBuilder().setKey(bytes("k"))
                .setExpectedValue(ByteString.copyFrom(new byte[256 << 10]))
                .setNewValue(ByteString.copyFrom(new byte[256 << 10])).build();
        CompareAndSetRequest overNew = fits.toBuilder().setNewValue(ByteString.copyFrom(new byte[(256 << 10) + 1])).build();
        ServerLimits smallMessages = LIMITS.toBuilder().setMaxMessageBytes(512 << 10).build();

        assertThat(RequestLimits.violation("CompareAndSet", fits, LIMITS)).isNull();
        assertThat(RequestLimits.violation("CompareAndSet", overNew, LIMITS))
                .isEqualTo("new_value is 262145 bytes; the limit is 262144 (raftkv.kv.max-value-bytes); "
                        + "the CompareAndSet was not sent");
        assertThat(RequestLimits.violation("CompareAndSet", fits, smallMessages))
                .startsWith("the CompareAndSet request is ").contains("a node reads gRPC messages of at most 524288 bytes");
    }
}
