package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.OpenSessionRequest;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.WriteHeader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader whose disk stops answering (issue 12, item 6: elections under load came from
 * leaders stalled in fsync). The leader's event loop must go on ticking and heartbeating
 * while its own sync waits, and its followers' durable copies commit its writes (thesis
 * §10.2.1). Before the sync moved to its own thread, the loop itself waited in the
 * sync: no tick, no heartbeat, and the followers elected a new leader.
 */
class StalledDiskTest {

    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration ELECTION = Duration.ofSeconds(15);
    /** LocalCluster's election timeout is 10 ticks, randomized up to twice that. */
    private static final int ELECTION_TIMEOUT_TICKS_MAX = 20;

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private StallingLogStoreProvider.Gate gate;

    @AfterEach
    void stop() {
        if (gate != null) {
            gate.release();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void a_leader_whose_fsync_stalls_keeps_leading_and_commits_writes_with_its_followers() {
        cluster = new LocalCluster(dir, 3, "stalling-memory", 5).startAll();
        String leader = await().atMost(ELECTION).until(() -> cluster.leader(), java.util.Optional::isPresent)
                .orElseThrow();
        RaftServer leading = cluster.node(leader);
        long term = leading.status().term();
        long session = await().atMost(ELECTION).ignoreExceptions().until(() -> cluster.client(leader, CALL)
                .openSession(OpenSessionRequest.getDefaultInstance()).getSessionId(), id -> id > 0);

        gate = StallingLogStoreProvider.stall(dir.resolve(leader).resolve("wal"));
        long ticksAtStall = leading.metrics().ticks();
        for (int i = 1; i <= 5; i++) {
            cluster.client(leader, CALL).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                    .setValue(ByteString.copyFromUtf8("v" + i))
                    .setWrite(WriteHeader.newBuilder().setSessionId(session).setSequence(i)).build());
        }
        assertThat(gate.waiting()).as("the leader's own sync is still held").isPositive();
        // Logical time on the leader: three longest election timeouts pass while its disk is stalled.
        await().atMost(ELECTION)
                .until(() -> leading.metrics().ticks() >= ticksAtStall + 3L * ELECTION_TIMEOUT_TICKS_MAX);

        assertThat(cluster.leader()).as("no election while the leader's disk stalled").contains(leader);
        for (String id : cluster.running()) {
            assertThat(cluster.node(id).status().term()).as("term on %s", id).isEqualTo(term);
        }
        assertThat(cluster.client(leader, CALL).get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k5"))
                .setConsistency(Consistency.LINEARIZABLE).build()).getValue().toStringUtf8()).isEqualTo("v5");
        gate.release();
    }
}
