package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.client.fake.Received;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeaderRoutingTest {

    private final FakeCluster cluster = FakeCluster.start(3);

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void when_status_names_the_leader_then_writes_go_straight_to_it() {
        cluster.leader("n2");
        try (RaftKvClient client = TestClients.client(cluster.endpoints())) {
            client.blocking().status();
            assertThat(client.leaderAddress()).contains(cluster.address("n2"));

            for (int i = 0; i < 5; i++) {
                client.blocking().put("k" + i, "v" + i);
            }

            assertThat(cluster.received("Put")).extracting(Received::nodeId).containsOnly("n2");
        }
    }

    @Test
    void when_a_header_names_an_unknown_leader_then_the_client_learns_its_address_in_the_background() {
        cluster.leader("n3");
        try (RaftKvClient client = TestClients.client(cluster.address("n1"))) {
            client.blocking().put("a", "1");

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> client.leaderAddress().orElse(""), cluster.address("n3")::equals);
            client.blocking().put("b", "2");

            assertThat(cluster.received("Put")).extracting(Received::nodeId).containsExactly("n1", "n3");
            assertThat(client.knownAddresses()).contains(cluster.address("n2"), cluster.address("n3"));
        }
    }

    @Test
    void when_a_follower_answers_unavailable_with_leader_trailers_then_the_client_goes_to_that_leader() {
        cluster.leader("n3");
        cluster.followersRedirect(true);
        try (RaftKvClient client = TestClients.client(cluster.address("n1"))) {
            WriteResult result = client.blocking().put("k", "v");
            client.blocking().put("k2", "v2");

            assertThat(result.found()).isFalse();
            assertThat(cluster.received()).extracting(r -> r.method() + "@" + r.nodeId())
                    .containsExactly("OpenSession@n1", "OpenSession@n3", "Put@n3", "Put@n3");
            assertThat(client.leaderAddress()).contains(cluster.address("n3"));
        }
    }

    @Test
    void when_the_leader_changes_then_the_cache_follows_the_redirect() {
        cluster.followersRedirect(true);
        try (RaftKvClient client = TestClients.client(cluster.endpoints())) {
            client.blocking().status();
            client.blocking().put("k", "1");
            assertThat(client.leaderAddress()).contains(cluster.address("n1"));

            cluster.leader("n2");
            client.blocking().put("k", "2");

            assertThat(client.leaderAddress()).contains(cluster.address("n2"));
            List<Received> puts = cluster.received("Put");
            assertThat(puts).extracting(Received::nodeId).containsExactly("n1", "n1", "n2");
            assertThat(puts.get(2).write()).isEqualTo(puts.get(1).write());
            assertThat(cluster.store().get(bytes("k"))).isEqualTo(bytes("2"));
        }
    }

    @Test
    void when_a_node_is_down_then_other_nodes_serve() {
        cluster.stop("n1");
        try (RaftKvClient client = TestClients.client(cluster.endpoints())) {
            client.blocking().put("k", "v");

            assertThat(client.blocking().get("k").valueUtf8()).isEqualTo("v");
            assertThat(cluster.received()).extracting(Received::nodeId).doesNotContain("n1");
        }
    }

    @Test
    void when_no_node_accepts_connections_then_a_write_fails_as_unavailable_not_unknown() {
        cluster.close();
        ClientOptions options = TestClients.options(cluster.endpoints())
                .operationTimeout(Duration.ofMillis(300))
                .build();
        try (RaftKvClient client = RaftKvClient.create(options)) {
            assertThatThrownBy(() -> client.blocking().put("k", "v"))
                    .isInstanceOf(UnavailableException.class)
                    .hasMessageContaining("OpenSession");
        }
    }

    @Test
    void when_the_only_node_given_was_removed_then_requests_go_to_the_members_it_names_and_not_back_to_it() {
        cluster.leader("n1");
        cluster.removed("n3");
        try (RaftKvClient client = TestClients.client(cluster.address("n3"))) {
            WriteResult result = client.blocking().put("k", "v");
            GetResult read = client.blocking().get("k");

            assertThat(result.found()).isFalse();
            assertThat(read.valueUtf8()).isEqualTo("v");
            assertThat(cluster.received()).extracting(r -> r.method() + "@" + r.nodeId())
                    .startsWith("OpenSession@n3", "OpenSession@n1").doesNotContain("Put@n3", "Get@n3");
            assertThat(client.knownAddresses()).contains(cluster.address("n1"), cluster.address("n2"))
                    .doesNotContain(cluster.address("n3"));
        }
    }
}
