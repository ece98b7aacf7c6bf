package dev.raftkv.liberty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.raftkv.client.BlockingRaftKvClient;
import dev.raftkv.client.ClientOptions;
import dev.raftkv.client.GetResult;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.Routing;
import dev.raftkv.proto.Consistency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end over three Liberty server processes: writes through one node, kill -9 of the leader's JVM, a new
 * leader serves every acknowledged write, and the killed node, restarted, catches up.
 */
class ClusterFailoverIT {

    // generous: on a loaded two-core machine three Liberty servers starting together take minutes
    private static final Duration START = Duration.ofMinutes(8);

    private static LibertyCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        Path base = Files.createTempDirectory(
                Files.createDirectories(Path.of(System.getProperty("raftkv.e2e.dir", "target/e2e"))), "cluster");
        // n3 on Chronicle Queue: each node picks its own WAL backend, and Chronicle then runs inside Liberty too
        cluster = new LibertyCluster(Path.of(System.getProperty("raftkv.wlp.dir", "target/liberty/wlp")), base,
                List.of("rocksdb", "rocksdb", "chronicle"));
        for (int i = 0; i < cluster.size(); i++) {
            cluster.start(i);
        }
        for (int i = 0; i < cluster.size(); i++) {
            cluster.awaitReady(i, START);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void leader_failure_and_recovery() throws Exception {
        Map<String, String> acknowledged = new LinkedHashMap<>();
        try (RaftKvClient viaFirst = client(List.of(0))) {
            for (int i = 0; i < 100; i++) {
                viaFirst.blocking().put(utf8("key-" + i), utf8("before-" + i));
                acknowledged.put("key-" + i, "before-" + i);
            }
        }
        String oldLeader = leaderAsSeenBy(0);
        int killed = cluster.indexOf(oldLeader);

        cluster.kill(killed);

        List<Integer> survivors = IntStream.range(0, cluster.size()).filter(i -> i != killed).boxed().toList();
        await("a new leader among " + survivors).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> survivors.stream().map(cluster::status).flatMap(Optional::stream)
                        .anyMatch(s -> s.get("role").getAsString().equals("LEADER")));
        try (RaftKvClient viaSurvivors = client(survivors)) {
            BlockingRaftKvClient blocking = viaSurvivors.blocking();
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                GetResult read = blocking.get(utf8(write.getKey()), Consistency.LINEARIZABLE);
                assertThat(read.found()).as(write.getKey()).isTrue();
                assertThat(read.valueUtf8()).as(write.getKey()).isEqualTo(write.getValue());
            }
            for (int i = 0; i < 50; i++) {
                blocking.put(utf8("key-" + i), utf8("after-" + i));
                acknowledged.put("key-" + i, "after-" + i);
            }
        }
        String newLeader = leaderAsSeenBy(survivors.get(0));
        assertThat(newLeader).isNotEqualTo(oldLeader);
        long commitIndex = cluster.status(cluster.indexOf(newLeader)).orElseThrow().get("commitIndex").getAsLong();

        cluster.start(killed);
        cluster.awaitReady(killed, START);

        await(oldLeader + " catches up to " + commitIndex).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.status(killed).map(s -> s.get("appliedIndex").getAsLong()).orElse(0L)
                        >= commitIndex);
        try (RaftKvClient viaRestarted = client(List.of(killed))) {
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                GetResult read = viaRestarted.blocking().get(utf8(write.getKey()), Consistency.SERIALIZABLE);
                assertThat(read.valueUtf8()).as(write.getKey() + " on " + oldLeader).isEqualTo(write.getValue());
            }
        }
        // It takes part again: it and the survivors name the same leader. (Not necessarily newLeader: on a machine
        // loaded far beyond its cores a heartbeat can come later than an election timeout; the transition log says.)
        await(oldLeader + " and " + LibertyCluster.id(survivors.get(0)) + " name one leader")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Optional<String> seenByRejoined = leaderIn(cluster.status(killed));
                    return seenByRejoined.isPresent()
                            && seenByRejoined.equals(leaderIn(cluster.status(survivors.get(0))));
                });
    }

    @Test
    void every_node_starts_without_class_path_warnings_on_its_own_backend() throws Exception {
        for (int i = 0; i < cluster.size(); i++) {
            String log = Files.readString(cluster.log(i));
            String backend = i == 2 ? "chronicle" : "rocksdb";
            assertThat(log).as(LibertyCluster.id(i) + "'s messages.log").contains(", backend " + backend + ", data in ");
            // SRVE9967W: a jar in the war names, in its manifest's Class-Path, a jar the war does not hold
            assertThat(log.lines().filter(line -> line.contains("SRVE9967W")).toList())
                    .as(LibertyCluster.id(i) + "'s manifest class path warnings").isEmpty();
        }
    }

    private static Optional<String> leaderIn(Optional<JsonObject> status) {
        return status.filter(s -> s.has("leaderId")).map(s -> s.get("leaderId").getAsString());
    }

    private static String leaderAsSeenBy(int index) {
        return await("a leader known to " + LibertyCluster.id(index)).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.status(index).filter(s -> s.has("leaderId"))
                        .map(s -> s.get("leaderId").getAsString()), Optional::isPresent).orElseThrow();
    }

    private static RaftKvClient client(List<Integer> nodes) {
        List<String> endpoints = new ArrayList<>();
        nodes.forEach(i -> endpoints.add(cluster.clientAddress(i)));
        return RaftKvClient.create(ClientOptions.builder().endpoints(endpoints.stream()
                        .collect(Collectors.joining(","))).routing(Routing.ROUND_ROBIN)
                .operationTimeout(Duration.ofSeconds(30)).build());
    }

    private static ByteString utf8(String text) {
        return ByteString.copyFromUtf8(text);
    }
}
