package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.GetResponse;
import dev.raftkv.proto.ScanRequest;
import dev.raftkv.proto.CommandResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

    /**
     * Writes {@code count} keys {@code prefix<i>} straight into the leader's Raft log, many
     * in flight at once. A put whose outcome is unknown (the leader changed) is simply
     * written again: putting the same value twice leaves the same state.
     */
    void load(String prefix, int count, int valueBytes) {
        String padding = "v".repeat(Math.max(0, valueBytes - 8));
        int window = 2_000;
        for (int from = 0; from < count; from += window) {
            List<Integer> todo = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + window); i++) {
                todo.add(i);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!todo.isEmpty()) {
                assertThat(System.nanoTime() - deadline).as("loading keys took too long").isNegative();
                RaftServer node = cluster.node(awaitLeader());
                List<CompletableFuture<Applied>> writes = new ArrayList<>();
                for (int i : todo) {
                    writes.add(node.write(dev.raftkv.proto.Command.newBuilder().setPut(dev.raftkv.proto.Put
                            .newBuilder().setKey(bytes(prefix + i)).setValue(bytes(i + padding))).build(),
                            System.nanoTime() + ELECTION.toNanos(), false));
                }
                List<Integer> retry = new ArrayList<>();
                for (int k = 0; k < writes.size(); k++) {
                    try {
                        assertThat(writes.get(k).join().result().getCode()).isEqualTo(CommandResult.Code.OK);
                    } catch (java.util.concurrent.CompletionException e) {
                        assertThat(e.getCause()).isInstanceOf(RequestFailedException.class);
                        retry.add(todo.get(k));
                    }
                }
                todo = retry;
            }
        }
    }

    static int keyCount(RaftServer node) {
        return node.<Integer>readSerializable(sm -> sm.size()).join();
    }

    @Test
    void a_new_node_joins_a_cluster_holding_100k_keys_and_serves_linearizable_reads_once_promoted() {
        start(3, Map.of("raftkv.snapshot.every-entries", "40000", "raftkv.snapshot.compaction-tail", "1000"));
        load("k", 100_000, 16);
        String leader = awaitLeader();
        await().atMost(ELECTION).until(() -> cluster.node(leader).status().firstIndex() > 1);
        RaftServer joiner = cluster.startJoining("n4", follower(), Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            NodeStatus.MemberStatus n4 = cluster.node(awaitLeader()).status().member("n4");
            return n4 != null && n4.voter();
        });
        // The core acknowledges the snapshot once its file is in place; the apply thread loads it after.
        await().atMost(ELECTION).untilAsserted(() -> assertThat(joiner.metrics().snapshotsInstalled())
                .as("caught up by snapshot").isGreaterThanOrEqualTo(1));
        assertThat(cluster.client("n4", CALL).get(GetRequest.newBuilder().setKey(bytes("k99999")).build())
                .getValue().toStringUtf8()).startsWith("99999");
        put("n4", "written-after-join", "yes");
        assertThat(cluster.client("n4", CALL).get(GetRequest.newBuilder().setKey(bytes("written-after-join"))
                .build()).getValue().toStringUtf8()).isEqualTo("yes");
        assertThat(keyCount(joiner)).isEqualTo(100_001);
    }

    @Test
    void a_follower_offline_through_two_compactions_catches_up_by_snapshot() {
        start(3, Map.of("raftkv.snapshot.every-entries", "400", "raftkv.snapshot.compaction-tail", "50"));
        String follower = follower();
        long before = cluster.node(follower).status().lastIndex();
        cluster.stop(follower);
        String leader = awaitLeader();
        // Enough entries for two snapshots whatever the apply batches (at most 2,000 each).
        load("offline", 3_000, 64);
        // Two snapshots, each followed by a compaction, while the follower was away.
        await().atMost(ELECTION).until(() -> cluster.node(leader).metrics().snapshots() >= 2
                && cluster.node(leader).status().firstIndex() > before + 1);
        RaftServer back = cluster.start(follower);
        await().atMost(ELECTION).until(() -> back.status().appliedIndex()
                >= cluster.node(leader).status().commitIndex());
        assertThat(back.metrics().snapshotsInstalled()).isGreaterThanOrEqualTo(1);
        assertThat(keyCount(back)).isEqualTo(keyCount(cluster.node(leader)));
        GetResponse local = cluster.client(follower, CALL).get(GetRequest.newBuilder().setKey(bytes("offline2999"))
                .setConsistency(Consistency.SERIALIZABLE).build());
        assertThat(local.getValue().toStringUtf8()).startsWith("2999");
    }

    @Test
    void nodes_restart_from_their_snapshot_and_the_log_after_it() {
        start(3, Map.of("raftkv.snapshot.every-entries", "300", "raftkv.snapshot.compaction-tail", "20"));
        load("r", 1_000, 32);
        await().atMost(ELECTION).until(() -> cluster.running().stream()
                .allMatch(id -> cluster.node(id).status().firstIndex() > 1));
        for (String id : cluster.running()) {
            cluster.stop(id);
        }
        cluster.startAll();
        for (String id : cluster.running()) {
            NodeStatus status = cluster.node(id).status();
            assertThat(status.snapshotIndex()).as("%s starts from its snapshot", id).isGreaterThan(0);
            assertThat(status.firstIndex()).as("%s replays only the log after it", id).isGreaterThan(1);
        }
        String leader = awaitLeader();
        for (int i = 0; i < 1_000; i += 97) {
            assertThat(cluster.client(leader, CALL).get(GetRequest.newBuilder().setKey(bytes("r" + i)).build())
                    .getValue().toStringUtf8()).startsWith(String.valueOf(i));
        }
        await().atMost(ELECTION).untilAsserted(() -> {
            for (String id : cluster.running()) {
                assertThat(keyCount(cluster.node(id))).as(id).isEqualTo(1_000);
            }
        });
    }

    @Test
    void a_corrupt_newest_snapshot_is_reported_and_the_previous_one_used_while_the_log_covers_the_gap()
            throws Exception {
        start(1, Map.of("raftkv.snapshot.every-entries", "1000000", "raftkv.snapshot.compaction-tail", "1000"));
        load("c", 200, 16);
        RaftServer node = cluster.node("n1");
        long first = node.takeSnapshot().join().index();
        load("d", 250, 16);
        assertThat(node.takeSnapshot().join().index()).isGreaterThan(first);
        assertThat(node.snapshots()).hasSize(2);
        Path newest = node.snapshots().get(0).file();
        cluster.stop("n1");
        flipByte(newest, java.nio.file.Files.size(newest) / 2);
        RaftServer restarted = cluster.start("n1");
        assertThat(restarted.status().snapshotIndex()).isEqualTo(first);
        assertThat(java.nio.file.Files.exists(newest.resolveSibling(newest.getFileName() + ".corrupt"))).isTrue();
        awaitLeader();
        await().atMost(ELECTION).until(() -> keyCount(restarted) == 450);
    }

    @Test
    void start_up_fails_clearly_when_no_valid_snapshot_covers_the_compacted_log() throws Exception {
        start(1, Map.of("raftkv.snapshot.every-entries", "100", "raftkv.snapshot.compaction-tail", "0",
                "raftkv.snapshot.retain", "1"));
        load("g", 250, 16);
        RaftServer node = cluster.node("n1");
        node.takeSnapshot().join(); // at the last applied index, whatever the automatic ones covered
        await().atMost(ELECTION).until(() -> node.status().firstIndex() > 200);
        Path newest = node.snapshots().get(0).file();
        cluster.stop("n1");
        flipByte(newest, 20);
        assertThatThrownBy(() -> cluster.start("n1"))
                .isInstanceOf(dev.raftkv.storage.StorageException.class)
                .hasMessageContaining("cannot restore its state")
                .hasMessageContaining("is corrupt");
    }

    static void flipByte(Path file, long position) throws java.io.IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, position);
            one.flip();
            byte b = one.get();
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (b ^ 0x5a)}), position);
        }
    }
}
