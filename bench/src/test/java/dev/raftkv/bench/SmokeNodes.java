package dev.raftkv.bench;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The smoke test's two one-node "clusters", each a child process on free loopback ports: etcd
 * from {@code /usr/bin/etcd} (or {@code -Draftkv.bench.etcd=PATH}) and a raftkv node run by the
 * plain launcher on RocksDB. {@link #close()} stops both (their own {@link Process} handles).
 */
final class SmokeNodes implements AutoCloseable {

    static final Duration READY_WITHIN = Duration.ofSeconds(60);

    private final List<Process> processes = new ArrayList<>();
    private final Path root;
    private String etcdEndpoint;
    private long etcdPid;
    private String raftkvEndpoint;
    private long raftkvPid;

    SmokeNodes(Path root) {
        this.root = root;
    }

    /**
     * The etcd binary. Missing, the test fails under CI ({@code CI=true}: CI must install it, as
     * {@code .ci/run} does) and is skipped elsewhere.
     */
    static Path etcdBinary() {
        Path etcd = Path.of(System.getProperty("raftkv.bench.etcd", "/usr/bin/etcd"));
        if (!Files.isExecutable(etcd)) {
            String why = "etcd is not installed at " + etcd + " (Debian: apt-get install -y etcd-server, which .ci/run does)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why + "; CI=true, so the benchmark's smoke test fails instead of skipping");
            }
            Assumptions.abort(why);
        }
        return etcd;
    }

    void startEtcd(Path binary) {
        int clientPort = freePort();
        int peerPort = freePort();
        String peerUrl = "http://127.0.0.1:" + peerPort;
        etcdEndpoint = "127.0.0.1:" + clientPort;
        Process etcd = start("etcd", List.of(binary.toString(), "--name", "smoke", "--data-dir",
                root.resolve("etcd-data").toString(), "--listen-client-urls", "http://" + etcdEndpoint,
                "--advertise-client-urls", "http://" + etcdEndpoint, "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "smoke=" + peerUrl,
                "--logger", "zap", "--log-outputs", "stderr"));
        etcdPid = etcd.pid();
        try (EtcdTarget target = new EtcdTarget(List.of(etcdEndpoint), Duration.ofSeconds(2))) {
            awaitAnswer(etcd, () -> target.put(ByteString.copyFromUtf8("ready"), ByteString.EMPTY));
        }
    }

    void startRaftKv() {
        int clientPort = freePort();
        int peerPort = freePort();
        raftkvEndpoint = "127.0.0.1:" + clientPort;
        Process node = start("raftkv", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Draftkv.node.id=n1", "-Draftkv.members=n1=127.0.0.1:" + peerPort + ":" + clientPort,
                "-Draftkv.client.port=" + clientPort, "-Draftkv.data.dir=" + root.resolve("raftkv-data"),
                "-Draftkv.wal.backend=rocksdb", "-cp", System.getProperty("java.class.path"),
                "dev.raftkv.server.Launcher"));
        raftkvPid = node.pid();
        try (RaftKvUnaryTarget target = new RaftKvUnaryTarget(List.of(raftkvEndpoint), Duration.ofSeconds(2))) {
            awaitAnswer(node, () -> target.put(ByteString.copyFromUtf8("ready"), ByteString.EMPTY));
        }
    }

    String etcdEndpoint() {
        return etcdEndpoint;
    }

    long etcdPid() {
        return etcdPid;
    }

    String raftkvEndpoint() {
        return raftkvEndpoint;
    }

    long raftkvPid() {
        return raftkvPid;
    }

    private Process start(String name, List<String> command) {
        try {
            Files.createDirectories(root);
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(root.resolve(name + ".log").toFile()).start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** Waits until a write succeeds (the node is up and has a leader), or fails with the node's log. */
    private void awaitAnswer(Process process, java.util.function.Supplier<java.util.concurrent.CompletableFuture<?>> write) {
        await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("exited with status " + process.exitValue() + "; see " + root);
            }
            write.get().get(3, TimeUnit.SECONDS);
            return true;
        });
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** SIGTERM to each child, then SIGKILL to any still running after 15 s. */
    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
            }
        }
    }
}
