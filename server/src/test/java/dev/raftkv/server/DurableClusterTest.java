package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.GetResponse;
import dev.raftkv.proto.ScanRequest;
import org.junit.jupiter.api.Test;

/** The cluster suite plus what only a durable log can do: restart a node with its data. */
public abstract class DurableClusterTest extends ClusterTest {

    @Test
    void a_restarted_follower_catches_up_with_what_it_missed() {
        start(3);
        String follower = follower();
        cluster.stop(follower);
        String leader = awaitLeader();
        for (int i = 0; i < 50; i++) {
            put(leader, "missed" + i, "x" + i);
        }
        cluster.start(follower);
        await().atMost(ELECTION).untilAsserted(() -> {
            GetResponse local = cluster.client(follower, CALL).get(GetRequest.newBuilder()
                    .setKey(bytes("missed49")).setConsistency(Consistency.SERIALIZABLE).build());
            assertThat(local.getValue().toStringUtf8()).isEqualTo("x49");
        });
        assertThat(cluster.client(follower, CALL).scan(ScanRequest.newBuilder().setPrefix(bytes("missed"))
                .setConsistency(Consistency.SERIALIZABLE).build()).getPairsCount()).isEqualTo(50);
    }

    @Test
    void a_whole_cluster_restarts_with_every_acknowledged_write() {
        start(3);
        String leader = awaitLeader();
        for (int i = 0; i < 30; i++) {
            put(leader, "durable" + i, "d" + i);
        }
        for (String id : cluster.running()) {
            cluster.stop(id);
        }
        cluster.startAll();
        String next = awaitLeader();
        for (int i = 0; i < 30; i++) {
            assertThat(cluster.client(next, CALL).get(GetRequest.newBuilder().setKey(bytes("durable" + i)).build())
                    .getValue().toStringUtf8()).isEqualTo("d" + i);
        }
    }
}
