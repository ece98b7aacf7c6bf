package dev.raftkv.etcd;

import static org.awaitility.Awaitility.await;

import dev.raftkv.server.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A three-node in-JVM raftkv cluster on loopback ports of its own, and etcd clients run as processes against it. */
final class EtcdCluster implements AutoCloseable {

    static final Duration ELECTION = Duration.ofSeconds(20);

    final LocalCluster cluster;
    private final Path dir;

    EtcdCluster(long seed) {
        try {
            dir = Files.createTempDirectory("raftkv-etcd-compat");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cluster = new LocalCluster(dir, 3, "memory", seed).startAll();
        await().atMost(ELECTION).until(cluster::leader, Optional::isPresent);
    }

    /** {@code host:port,host:port,...} of every node's client port. */
    String endpoints() {
        return String.join(",", cluster.ids().stream().map(cluster::clientAddress).toList());
    }

    /** What a finished client process printed, and its exit status. */
    record Run(int exit, String out, String err) {}

    /** Runs {@code command} with {@code stdin}, bounded by a minute; fails if it does not end by then. */
    static Run run(List<String> command, String stdin) {
        try {
            Path in = Files.createTempFile("etcd-compat-stdin", ".txt");
            Files.writeString(in, stdin);
            Path out = Files.createTempFile("etcd-compat-out", ".txt");
            Path err = Files.createTempFile("etcd-compat-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(in.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("ETCDCTL_API", "3");
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within 60 s; stderr: " + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** etcdctl against the whole cluster. */
    Run etcdctl(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints(),
                "--command-timeout=10s", "--dial-timeout=5s"));
        command.addAll(List.of(args));
        return run(command, stdin);
    }

    @Override
    public void close() {
        cluster.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
