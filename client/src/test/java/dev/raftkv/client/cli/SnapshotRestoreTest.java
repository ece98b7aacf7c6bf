package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.client.ClientOptions;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.proto.Consistency;
import dev.raftkv.server.LocalCluster;
import dev.raftkv.server.SnapshotInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftkv snapshot restore} end to end: real nodes write and snapshot, the snapshot file
 * is restored into fresh data directories, a new cluster on them serves every acknowledged key.
 */
class SnapshotRestoreTest {

    private static final int KEYS = 200;
    private static final long SEED = 18;

    @TempDir
    Path dir;

    private static RaftKvClient client(LocalCluster cluster) {
        return RaftKvClient.create(ClientOptions.builder()
                .endpoints(cluster.ids().stream().map(cluster::clientAddress).collect(Collectors.joining(",")))
                .operationTimeout(Duration.ofSeconds(20)).build());
    }

    @Test
    void a_restored_cluster_serves_every_acknowledged_key_and_a_damaged_file_writes_nothing() throws Exception {
        Path backup = dir.resolve("backup.snap");
        List<String> acknowledged = new ArrayList<>();
        try (LocalCluster original = new LocalCluster(dir.resolve("original"), 3, "memory", SEED).startAll();
                RaftKvClient client = client(original)) {
            for (int i = 0; i < KEYS; i++) {
                client.blocking().put(ByteString.copyFromUtf8("key-" + i), ByteString.copyFromUtf8("value-" + i));
                acknowledged.add("key-" + i);
            }
            String leader = original.leader().orElseThrow();
            SnapshotInfo snapshot = original.node(leader).takeSnapshot().join();
            assertThat(snapshot.index()).isGreaterThanOrEqualTo(KEYS);
            Files.copy(snapshot.file(), backup);
        }

        Path damaged = dir.resolve("damaged.snap");
        byte[] bytes = Files.readAllBytes(backup);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(damaged, bytes);
        Path restoredRoot = dir.resolve("restored");
        CliRun refused = CliRun.run(Map.of(), "snapshot", "restore", damaged.toString(),
                "--data-dir", restoredRoot.resolve("n1").toString());
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.INVALID_ARGUMENT);
        assertThat(refused.err()).contains("is corrupt", "checksum", "nothing was written");
        assertThat(restoredRoot).doesNotExist();

        for (String id : List.of("n1", "n2", "n3")) {
            CliRun restore = CliRun.run(Map.of(), "snapshot", "restore", backup.toString(),
                    "--data-dir", restoredRoot.resolve(id).toString());
            assertThat(restore.exitCode()).as(restore.err()).isZero();
            assertThat(restore.out()).startsWith("restored snapshot at index ").contains("members: those in the node's raftkv.members");
        }
        CliRun again = CliRun.run(Map.of(), "snapshot", "restore", backup.toString(),
                "--data-dir", restoredRoot.resolve("n1").toString());
        assertThat(again.exitCode()).isEqualTo(ExitCodes.INVALID_ARGUMENT);
        assertThat(again.err()).contains("exists and is not empty");

        try (LocalCluster restored = new LocalCluster(restoredRoot, 3, "memory", SEED + 1).startAll();
                RaftKvClient client = client(restored)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> restored.leader().isPresent());
            for (String key : acknowledged) {
                var result = client.blocking().get(ByteString.copyFromUtf8(key), Consistency.LINEARIZABLE);
                assertThat(result.found()).as(key).isTrue();
                assertThat(result.value().toStringUtf8()).isEqualTo("value-" + key.substring("key-".length()));
            }
            client.blocking().put(ByteString.copyFromUtf8("after-restore"), ByteString.copyFromUtf8("written"));
        }
    }
}
