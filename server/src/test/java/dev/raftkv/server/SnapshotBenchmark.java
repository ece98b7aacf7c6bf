package dev.raftkv.server;

import dev.raftkv.proto.Command;
import dev.raftkv.proto.Put;
import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The snapshot figures of the README, on real nodes over loopback gRPC with a durable
 * backend: (1) snapshot creation time and the longest pause it forces on applying, at
 * 1M keys, while writes go on; (2) a new learner catching up a state of about 1 GiB
 * (snapshot transfer rate); (3) restart time with that snapshot plus a 1M-entry log tail.
 *
 * <p>Run: {@code mvn -B verify -pl storage-rocksdb -am -Psnapshot-bench -DskipTests}
 * (backend and sizes: {@code -Draftkv.bench.backend=chronicle}, {@code -Draftkv.bench.keys},
 * {@code -Draftkv.bench.value-bytes}, {@code -Draftkv.bench.tail}).
 */
public final class SnapshotBenchmark {

    private SnapshotBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String backend = System.getProperty("raftkv.bench.backend", "rocksdb");
        int keys = Integer.getInteger("raftkv.bench.keys", 1_000_000);
        int valueBytes = Integer.getInteger("raftkv.bench.value-bytes", 1_000);
        int tail = Integer.getInteger("raftkv.bench.tail", 1_000_000);
        Path dir = Files.createTempDirectory("raftkv-snapshot-bench");
        System.out.printf("backend=%s keys=%d value-bytes=%d tail=%d dir=%s cpus=%d max-heap=%d MiB%n", backend, keys,
                valueBytes, tail, dir, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        try (LocalCluster cluster = new LocalCluster(dir, 1, backend, 7)) {
            cluster.with("raftkv.snapshot.every-entries", String.valueOf(Integer.MAX_VALUE))
                    .with("raftkv.snapshot.every-mb", String.valueOf(1 << 20))
                    .with("raftkv.snapshot.compaction-tail", "1000")
                    .with("raftkv.raft.max-pending-proposals", "100000")
                    .with("raftkv.raft.tick-ms", "50");
            RaftServer n1 = cluster.start("n1");
            awaitTrue("leader", Duration.ofSeconds(30), () -> cluster.leader().isPresent());

            long loadStart = System.nanoTime();
            write(n1, "key", 0, keys, valueBytes);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            System.out.printf("loaded %d keys of %d B in %.1f s (%.0f writes/s)%n", keys, valueBytes, loadSeconds,
                    keys / loadSeconds);

            // (1) A snapshot while writes continue.
            CompletableFuture<Void> background = CompletableFuture.runAsync(
                    () -> write(n1, "during", 0, 20_000, 100));
            long snapStart = System.nanoTime();
            SnapshotInfo snapshot = n1.takeSnapshot().get(10, TimeUnit.MINUTES);
            double snapSeconds = (System.nanoTime() - snapStart) / 1e9;
            background.join();
            System.out.printf("(1) snapshot at index %d: %.1f MiB written in %.2f s (file write %.2f s, %.0f MiB/s);"
                    + " longest apply pause %.1f ms%n", snapshot.index(), snapshot.sizeBytes() / 1048576.0,
                    snapSeconds, n1.metrics().lastSnapshotNanos() / 1e9,
                    snapshot.sizeBytes() / 1048576.0 / (n1.metrics().lastSnapshotNanos() / 1e9),
                    n1.metrics().longestSnapshotPauseNanos() / 1e6);
            awaitTrue("log compacted", Duration.ofSeconds(60), () -> n1.status().firstIndex() > 1);

            // (2) A learner joins and catches up by snapshot.
            long joinStart = System.nanoTime();
            RaftServer n2 = cluster.startJoining("n2", "n1", Map.of("raftkv.join.auto-promote", "false"));
            long target = n1.status().commitIndex();
            awaitTrue("learner caught up", Duration.ofMinutes(10),
                    () -> n2.metrics().snapshotsInstalled() >= 1 && n2.status().appliedIndex() >= target);
            double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
            long size = n2.snapshots().get(0).sizeBytes();
            System.out.printf("(2) learner caught up %.1f MiB of snapshot (+ log to index %d) in %.2f s:"
                    + " %.1f MiB/s end to end (transfer, verify, install)%n", size / 1048576.0, target, joinSeconds,
                    size / 1048576.0 / joinSeconds);
            cluster.stop("n2");

            // (3) Restart with the snapshot plus a long log tail.
            write(n1, "tail", 0, tail, 16);
            long commit = n1.status().commitIndex();
            long first = n1.status().firstIndex();
            cluster.stop("n1");
            long restartStart = System.nanoTime();
            RaftServer again = cluster.start("n1");
            double opened = (System.nanoTime() - restartStart) / 1e9;
            awaitTrue("replayed", Duration.ofMinutes(10), () -> again.status().appliedIndex() >= commit);
            double replayed = (System.nanoTime() - restartStart) / 1e9;
            System.out.printf("(3) restart with a %.1f MiB snapshot and a %d-entry tail (log %d..%d): started in"
                    + " %.2f s, state restored and tail applied in %.2f s%n", snapshot.sizeBytes() / 1048576.0,
                    commit - first + 1, first, commit, opened, replayed);
        } finally {
            deleteTree(dir);
        }
    }

    /** Writes keys {@code prefix<i>} for i in [from, to) through the node's log, a window at a time. */
    static void write(RaftServer node, String prefix, int from, int to, int valueBytes) {
        ByteString value = ByteString.copyFromUtf8("v".repeat(valueBytes));
        int window = 5_000;
        for (int start = from; start < to; start += window) {
            List<CompletableFuture<Applied>> writes = new ArrayList<>();
            for (int i = start; i < Math.min(to, start + window); i++) {
                writes.add(node.write(Command.newBuilder().setPut(Put.newBuilder()
                        .setKey(ByteString.copyFromUtf8(prefix + i)).setValue(value)).build(),
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(60), false));
            }
            writes.forEach(CompletableFuture::join);
        }
    }

    private static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        org.awaitility.Awaitility.await(what).atMost(limit).pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
