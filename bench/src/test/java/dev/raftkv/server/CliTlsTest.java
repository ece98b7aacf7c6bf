package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftkv.client.cli.RaftKvCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI (and so the Java client's {@code ClientOptions.tls}) against a node whose client port
 * requires TLS with client certificates: {@code --cacert/--cert/--key} or the same as
 * {@code RAFTKV_CACERT/RAFTKV_CERT/RAFTKV_KEY} work; without a certificate the write is refused.
 */
class CliTlsTest {

    @TempDir
    Path dir;

    @Test
    void the_cli_writes_over_tls_with_flags_or_environment_and_is_refused_without_a_certificate() {
        TestPki pki = new TestPki(dir);
        TestPki.Ca ca = pki.ca("cluster");
        Path caFile = pki.caFile(ca);
        TestPki.KeyFiles node = pki.member(ca, "n1");
        TestPki.KeyFiles alice = pki.client(ca, "alice", "alice");
        try (LocalCluster cluster = new LocalCluster(dir, 1, "memory", 5)) {
            cluster.start("n1", Map.of("raftkv.tls.client-cert", node.cert().toString(),
                    "raftkv.tls.client-key", node.key().toString(), "raftkv.tls.client-ca", caFile.toString(),
                    "raftkv.tls.client-cert-auth", "true"));
            String endpoint = cluster.clientAddress("n1");
            await().atMost(Duration.ofSeconds(20)).until(() -> cli(Map.of(), "-e", endpoint, "--cacert",
                    caFile.toString(), "--cert", alice.cert().toString(), "--key", alice.key().toString(),
                    "put", "k", "flags") == 0);
            assertThat(cli(Map.of("RAFTKV_CACERT", caFile.toString(), "RAFTKV_CERT", alice.cert().toString(),
                    "RAFTKV_KEY", alice.key().toString()), "-e", endpoint, "put", "k", "environment")).isZero();
            assertThat(cli(Map.of(), "-e", endpoint, "--timeout", "2s", "--cacert", caFile.toString(),
                    "put", "k", "no-certificate")).as("exit code: unavailable").isEqualTo(5);
        }
    }

    private static int cli(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return RaftKvCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8), environment);
    }
}
