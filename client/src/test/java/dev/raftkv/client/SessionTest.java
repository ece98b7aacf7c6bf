package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.client.fake.Fault;
import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Received;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.WriteHeader;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionTest {

    private final FakeCluster cluster = FakeCluster.start(3);
    private final RaftKvClient client = TestClients.client(cluster.endpoints());

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void when_only_reads_run_then_no_session_is_opened_and_the_first_write_opens_one() {
        client.blocking().get("k");
        client.blocking().get(bytes("k"), Consistency.SERIALIZABLE);
        assertThat(cluster.received("OpenSession")).isEmpty();

        client.blocking().put("a", "1");
        client.blocking().put("b", "2");

        assertThat(cluster.received("OpenSession")).hasSize(1);
        assertThat(cluster.received("Put")).extracting(r -> r.write().getSequence()).containsExactly(1L, 2L);
    }

    @Test
    void when_writes_are_outstanding_then_acked_sequence_stays_below_the_lowest_of_them() {
        client.blocking().put("k1", "v");                        // sequence 1
        Fault held = Fault.hold("Put", bytes("k2"));
        cluster.inject(held);
        CompletableFuture<WriteResult> slow = client.put(bytes("k2"), bytes("v")); // sequence 2, answer held
        client.put(bytes("k3"), bytes("v")).join();              // sequence 3
        client.put(bytes("k4"), bytes("v")).join();              // sequence 4
        assertThat(slow).isNotDone();

        held.release().complete(null);
        slow.join();
        client.blocking().put("k5", "v");                        // sequence 5

        List<WriteHeader> headers = cluster.received("Put").stream().map(Received::write)
                .sorted(java.util.Comparator.comparingLong(WriteHeader::getSequence)).toList();
        assertThat(headers).extracting(WriteHeader::getSequence).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(headers).extracting(WriteHeader::getAckedSequence).containsExactly(0L, 1L, 1L, 1L, 4L);
        assertThat(headers).extracting(WriteHeader::getSessionId).containsOnly(headers.get(0).getSessionId());
    }

    @Test
    void when_many_writes_run_concurrently_then_each_has_its_own_sequence_and_all_apply() {
        List<CompletableFuture<Long>> adds = java.util.stream.IntStream.range(0, 50)
                .mapToObj(i -> client.add(bytes("counter"), 1)).toList();
        CompletableFuture.allOf(adds.toArray(CompletableFuture[]::new)).join();

        assertThat(cluster.store().get(bytes("counter"))).isEqualTo(bytes("50"));
        List<WriteHeader> headers = cluster.received("Add").stream().map(Received::write).toList();
        assertThat(headers).extracting(WriteHeader::getSequence).doesNotHaveDuplicates().hasSize(50);
        assertThat(headers).allSatisfy(h -> assertThat(h.getAckedSequence()).isLessThan(h.getSequence()));
    }

    @Test
    void when_the_session_expired_before_a_first_attempt_then_a_new_session_is_opened_and_the_write_applies() {
        client.blocking().put("a", "1");
        long firstSession = cluster.received("Put").get(0).write().getSessionId();
        cluster.store().expireSession(firstSession);

        client.blocking().put("b", "2");

        assertThat(cluster.received("OpenSession")).hasSize(2);
        List<Received> puts = cluster.received("Put");
        assertThat(puts).hasSize(3);
        assertThat(puts.get(1).write().getSessionId()).isEqualTo(firstSession);
        assertThat(puts.get(2).write().getSessionId()).isNotEqualTo(firstSession);
        assertThat(puts.get(2).write().getSequence()).isEqualTo(1);
        assertThat(cluster.store().get(bytes("b"))).isEqualTo(bytes("2"));
    }

    @Test
    void when_earlier_attempts_were_only_refused_by_a_full_queue_then_session_expiry_still_reopens() {
        client.blocking().put("a", "1");
        cluster.inject(Fault.fail("Put", Status.Code.RESOURCE_EXHAUSTED));
        cluster.store().expireSession(cluster.received("Put").get(0).write().getSessionId());

        client.blocking().put("b", "2");

        assertThat(cluster.received("OpenSession")).hasSize(2);
        assertThat(cluster.store().get(bytes("b"))).isEqualTo(bytes("2"));
    }

    @Test
    void when_the_session_expired_between_attempts_then_the_write_outcome_is_unknown_and_later_writes_reopen() {
        client.blocking().put("a", "1");
        cluster.inject(Fault.expireSessionAndLoseReply("Put", Status.Code.UNAVAILABLE));

        assertThatThrownBy(() -> client.blocking().put("b", "2"))
                .isInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("expired while the write");

        client.blocking().put("c", "3");
        assertThat(cluster.received("OpenSession")).hasSize(2);
        assertThat(cluster.store().get(bytes("c"))).isEqualTo(bytes("3"));
    }
}
