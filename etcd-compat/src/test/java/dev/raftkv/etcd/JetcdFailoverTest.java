package dev.raftkv.etcd;

import static dev.raftkv.etcd.JetcdTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * jetcd through a leader failure: a bounded Txn load (create-if-absent, so a retried txn is harmless) runs while
 * the leader is stopped; jetcd keeps working against the survivors, and every acknowledged write is there.
 */
class JetcdFailoverTest {

    private static final int KEYS = 300;

    @Test
    void when_the_leader_stops_mid_load_then_jetcd_goes_on_and_no_acknowledged_write_is_lost() throws Exception {
        try (EtcdCluster etcd = new EtcdCluster(19);
                Client client = Client.builder().endpoints(JetcdTest.endpoints(etcd)).build()) {
            KV kv = client.getKVClient();
            AtomicInteger acknowledged = new AtomicInteger();
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < KEYS; i++) {
                    createWithRetries(kv, "f/" + i, Integer.toString(i));
                    acknowledged.incrementAndGet();
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() >= KEYS / 3);
            String leader = etcd.cluster.leader().orElseThrow();

            etcd.cluster.stop(leader);
            load.get(90, TimeUnit.SECONDS);

            var all = kv.get(bytes("f/"), GetOption.builder().isPrefix(true).build()).get(20, TimeUnit.SECONDS);
            assertThat(all.getCount()).isEqualTo(KEYS);
            for (var pair : all.getKvs()) {
                assertThat(pair.getKey().toString(java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo("f/" + pair.getValue().toString(java.nio.charset.StandardCharsets.UTF_8));
                assertThat(pair.getVersion()).isEqualTo(1);
            }
        }
    }

    /** One create-if-absent txn, retried on failure (bounded: a minute) until one is answered. */
    private static void createWithRetries(KV kv, String key, String value) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                kv.txn().If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                        .Then(Op.put(bytes(key), bytes(value), PutOption.DEFAULT)).commit().get(10, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("txn on " + key + " kept failing for a minute", e);
                }
                // a client's retry backoff (not synchronisation): no hot loop against a node that is going away
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }
}
