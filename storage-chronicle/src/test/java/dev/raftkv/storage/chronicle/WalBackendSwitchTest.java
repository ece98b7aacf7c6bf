package dev.raftkv.storage.chronicle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.OpenSessionRequest;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.WriteHeader;
import dev.raftkv.proto.WriteResponse;
import dev.raftkv.server.ConfigException;
import dev.raftkv.server.LocalCluster;
import dev.raftkv.server.NodeStatus;
import dev.raftkv.server.WalMigration;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.rocksdb.RocksDbLogStoreProvider;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nodes over loopback gRPC whose WAL backend changes between runs (issue 12, item 1):
 * a node refuses another backend's log, naming both and the ways out; {@link WalMigration}
 * copies the log offline, RocksDB to Chronicle and back, with every acknowledged write, the
 * term and the commit index; an interrupted migration leaves a usable log.
 */
class WalBackendSwitchTest {

    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration ELECTION = Duration.ofSeconds(30);
    private static final List<String> NODES = List.of("n1", "n2", "n3");

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private long session;
    private long sequence;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void a_node_refuses_to_start_on_a_log_another_backend_wrote() throws Exception {
        cluster = new LocalCluster(dir, 3, "rocksdb", 5).startAll();
        writeKeys(0, 40);
        assertThat(cluster.node("n1").takeSnapshot().get(ELECTION.toSeconds(), TimeUnit.SECONDS).index())
                .isGreaterThanOrEqualTo(40);
        stopAll();

        cluster.with("raftkv.wal.backend", "chronicle");
        for (String id : NODES) {
            assertThatThrownBy(() -> cluster.start(id))
                    .as(id).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(dir.resolve(id).resolve("wal") + " holds a log written by the 'rocksdb'"
                            + " backend (recorded in meta), but this node is configured with 'chronicle'")
                    .hasMessageContaining("set raftkv.wal.backend=rocksdb again")
                    .hasMessageContaining("dev.raftkv.server.WalMigration --data-dir " + dir.resolve(id)
                            + " --to chronicle")
                    .hasMessageContaining("or delete the whole data directory " + dir.resolve(id));
            assertThat(new ChronicleLogStoreProvider().recognises(dir.resolve(id).resolve("wal")))
                    .as("%s: the refused backend wrote nothing into wal/", id).isFalse();
        }

        cluster.with("raftkv.wal.backend", "rocksdb").startAll();
        assertKeys(0, 40);
    }

    @Test
    void a_data_directory_without_a_recorded_backend_is_judged_by_the_files_in_its_log() throws Exception {
        cluster = new LocalCluster(dir, 3, "rocksdb", 6).startAll();
        writeKeys(0, 20);
        stopAll();
        for (String id : NODES) {
            forgetRecordedBackend(dir.resolve(id));
        }

        cluster.with("raftkv.wal.backend", "chronicle");
        assertThatThrownBy(() -> cluster.start("n1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("holds a log written by the 'rocksdb' backend (detected from its files), but"
                        + " this node is configured with 'chronicle'");

        cluster.with("raftkv.wal.backend", "rocksdb").startAll();
        assertKeys(0, 20);
        for (String id : NODES) {
            assertThat(meta(dir.resolve(id))).as("%s: recorded on the way", id).contains("wal.backend=rocksdb");
        }
    }

    @Test
    void a_log_migrated_to_chronicle_and_back_keeps_every_acknowledged_write_its_term_and_commit() throws Exception {
        cluster = new LocalCluster(dir, 3, "rocksdb", 7).with("raftkv.snapshot.compaction-tail", "5").startAll();
        writeKeys(0, 60);
        for (String id : NODES) {
            cluster.node(id).takeSnapshot().get(ELECTION.toSeconds(), TimeUnit.SECONDS);
        }
        writeKeys(60, 90);
        assertThatThrownBy(() -> WalMigration.migrate(dir.resolve("n1"), null, "chronicle", quiet()))
                .as("refused while the node runs").isInstanceOf(ConfigException.class)
                .hasMessageContaining("is in use");
        stopAll();
        Map<String, LogState> before = logStates(new RocksDbLogStoreProvider());
        assertThat(before.get("n1").firstIndex()).as("the log was compacted behind the snapshot").isGreaterThan(1);

        for (String id : NODES) {
            WalMigration.Result result = WalMigration.migrate(dir.resolve(id), "rocksdb", "chronicle", quiet());
            assertThat(result.lastIndex()).isEqualTo(before.get(id).lastIndex());
            assertThat(meta(dir.resolve(id))).contains("wal.backend=chronicle").doesNotContain("wal.migration");
        }
        assertThat(logStates(new ChronicleLogStoreProvider())).as("the Chronicle logs").isEqualTo(before);

        cluster.with("raftkv.wal.backend", "chronicle").startAll();
        assertKeys(0, 90);
        awaitTermAtLeast(before);
        writeKeys(90, 100);
        stopAll();
        Map<String, LogState> onChronicle = logStates(new ChronicleLogStoreProvider());

        for (String id : NODES) {
            WalMigration.migrate(dir.resolve(id), null, "rocksdb", quiet());
        }
        assertThat(logStates(new RocksDbLogStoreProvider())).as("the RocksDB logs again").isEqualTo(onChronicle);
        cluster.with("raftkv.wal.backend", "rocksdb").startAll();
        assertKeys(0, 100);
        awaitTermAtLeast(onChronicle);
    }

    @Test
    void a_migration_interrupted_before_or_after_its_commit_leaves_a_log_the_node_starts_on() throws Exception {
        cluster = new LocalCluster(dir, 3, "rocksdb", 8).startAll();
        writeKeys(0, 30);
        stopAll();
        Path n1 = dir.resolve("n1");

        // Before the commit: a partial copy in wal.next, meta untouched. The node starts on its log.
        Files.createDirectories(n1.resolve("wal.next"));
        Files.writeString(n1.resolve("wal.next").resolve("20261201F.cq4"), "cut short");
        cluster.startAll();
        assertKeys(0, 30);
        stopAll();

        // After the commit: meta names chronicle and the migration, wal/ is still RocksDB's and
        // wal.next holds the verified copy (made here from a copy of the directory).
        Path copy = dir.resolve("copy-of-n1");
        copyTree(n1, copy);
        WalMigration.migrate(copy, "rocksdb", "chronicle", quiet());
        deleteTree(n1.resolve("wal.next"));
        Files.move(copy.resolve("wal"), n1.resolve("wal.next"));
        String committed = meta(n1).replace("wal.backend=rocksdb", "wal.backend=chronicle")
                + "wal.migration=rocksdb->chronicle\n";
        Files.writeString(n1.resolve("meta"), committed);

        cluster.with("raftkv.wal.backend", "chronicle");
        assertThatThrownBy(() -> cluster.start("n1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("the WAL migration rocksdb->chronicle was interrupted after it committed; run"
                        + " it again to finish it");
        WalMigration.Result finished = WalMigration.migrate(n1, null, "chronicle", quiet());
        assertThat(finished.resumed()).isTrue();
        assertThat(Files.exists(n1.resolve("wal.next"))).isFalse();
        assertThat(Files.exists(n1.resolve("wal.prev"))).isFalse();
        assertThat(new ChronicleLogStoreProvider().recognises(n1.resolve("wal"))).isTrue();

        // n1 on Chronicle, the others still on RocksDB: backends are per node.
        cluster.start("n1");
        cluster.with("raftkv.wal.backend", "rocksdb");
        cluster.start("n2");
        cluster.start("n3");
        assertKeys(0, 30);
    }

    // ---------------------------------------------------------------- helpers

    /** A log as its store holds it after a stop. */
    record LogState(long firstIndex, long lastIndex, long term, String votedFor, long commit) {
    }

    private Map<String, LogState> logStates(LogStoreProvider backend) {
        Map<String, LogState> states = new LinkedHashMap<>();
        for (String id : NODES) {
            try (LogStore store = backend.open(dir.resolve(id).resolve("wal"))) {
                states.put(id, new LogState(store.firstIndex(), store.lastIndex(), store.hardState().getTerm(),
                        store.hardState().getVotedFor(), store.hardState().getCommit()));
            }
        }
        return states;
    }

    /** After a restart the nodes elect again: the term goes on from the stored one, never back. */
    private void awaitTermAtLeast(Map<String, LogState> stored) {
        long highest = stored.values().stream().mapToLong(LogState::term).max().orElseThrow();
        long commit = stored.values().stream().mapToLong(LogState::commit).max().orElseThrow();
        await().atMost(ELECTION).untilAsserted(() -> {
            for (String id : NODES) {
                NodeStatus status = cluster.node(id).status();
                assertThat(status.term()).as("%s term", id).isGreaterThan(highest);
                assertThat(status.commitIndex()).as("%s commit", id).isGreaterThan(commit);
            }
        });
    }

    private void stopAll() {
        for (String id : cluster.running()) {
            cluster.stop(id);
        }
        session = 0;
    }

    /** Writes {@code k<i>=v<i>} for i in [from, to) in one session, retrying the same sequence across leader changes. */
    private void writeKeys(int from, int to) {
        for (int i = from; i < to; i++) {
            WriteResponse response = put("k" + i, "v" + i);
            assertThat(response.getResult().getCode()).as("put k%d", i).isEqualTo(dev.raftkv.proto.CommandResult.Code.OK);
        }
    }

    private WriteResponse put(String key, String value) {
        String node = leader();
        if (session == 0) {
            session = await().atMost(ELECTION).pollDelay(Duration.ZERO).ignoreExceptions().until(() -> cluster.client(node, CALL)
                    .openSession(OpenSessionRequest.getDefaultInstance()).getSessionId(), id -> id > 0);
        }
        PutRequest request = PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value))
                .setWrite(WriteHeader.newBuilder().setSessionId(session).setSequence(++sequence)
                        .setAckedSequence(sequence - 1)).build();
        return await().atMost(ELECTION).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                .ignoreExceptionsMatching(WalBackendSwitchTest::retriable)
                .until(() -> cluster.client(node, CALL).put(request), java.util.Objects::nonNull);
    }

    /** Every key of [from, to) through every node, linearizably. */
    private void assertKeys(int from, int to) {
        leader();
        for (String id : NODES) {
            for (int i = from; i < to; i++) {
                GetRequest get = GetRequest.newBuilder().setKey(bytes("k" + i)).build();
                String value = await().atMost(ELECTION).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptionsMatching(WalBackendSwitchTest::retriable)
                        .until(() -> cluster.client(id, CALL).get(get), java.util.Objects::nonNull)
                        .getValue().toStringUtf8();
                assertThat(value).as("k%d through %s", i, id).isEqualTo("v" + i);
            }
        }
    }

    private String leader() {
        return await().atMost(ELECTION).until(() -> cluster.leader(), java.util.Optional::isPresent).orElseThrow();
    }

    private static boolean retriable(Throwable e) {
        if (!(e instanceof StatusRuntimeException sre)) {
            return false;
        }
        Status.Code code = sre.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.ABORTED || code == Status.Code.DEADLINE_EXCEEDED;
    }

    private static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static String meta(Path dataDir) throws IOException {
        return Files.readString(dataDir.resolve("meta"));
    }

    /** Makes {@code dataDir}'s meta look like one written before the backend was recorded. */
    private static void forgetRecordedBackend(Path dataDir) throws IOException {
        List<String> lines = Files.readAllLines(dataDir.resolve("meta")).stream()
                .filter(line -> !line.startsWith("wal.backend=")).toList();
        Files.write(dataDir.resolve("meta"), lines);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
