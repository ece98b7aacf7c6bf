package dev.raftkv.client;

import static dev.raftkv.client.TestClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.client.fake.FakeCluster;
import dev.raftkv.proto.Consistency;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScanTest {

    private final FakeCluster cluster = FakeCluster.start(1);
    private final RaftKvClient client = TestClients.client(cluster.endpoints());

    @BeforeEach
    void fill() {
        for (String key : new String[] {"a", "user/1", "user/2", "user/3", "user/4", "user/5", "v"}) {
            client.blocking().put(key, "val-" + key);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void when_a_prefix_has_more_keys_than_a_page_then_pages_continue_after_the_last_key() {
        ScanPage first = client.blocking().scan(ScanRange.prefix(bytes("user/")), 2, Consistency.LINEARIZABLE);

        assertThat(first.pairs()).extracting(kv -> kv.key().toStringUtf8()).containsExactly("user/1", "user/2");
        assertThat(first.more()).isTrue();
        ScanPage second = client.blocking().scan(first.next().orElseThrow(), 2, Consistency.LINEARIZABLE);
        assertThat(second.pairs()).extracting(kv -> kv.key().toStringUtf8()).containsExactly("user/3", "user/4");
    }

    @Test
    void when_scanning_all_pages_then_every_key_of_the_range_comes_back_once_up_to_the_maximum() {
        assertThat(client.blocking().scanAll(ScanRange.prefix(bytes("user/")), 2, 100, Consistency.SERIALIZABLE))
                .extracting(kv -> kv.key().toStringUtf8())
                .containsExactly("user/1", "user/2", "user/3", "user/4", "user/5");
        assertThat(client.blocking().scanAll(ScanRange.range(bytes("b"), bytes("user/3")), 10, 100, Consistency.LINEARIZABLE))
                .extracting(kv -> kv.key().toStringUtf8())
                .containsExactly("user/1", "user/2");
        assertThat(client.blocking().scanAll(ScanRange.all(), 3, 4, Consistency.LINEARIZABLE)).hasSize(4);
        assertThat(cluster.received("Scan")).hasSize(3 + 1 + 2);
    }
}
