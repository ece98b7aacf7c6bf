package dev.raftkv.liberty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad settings stop the application from starting, with a message naming the property ({@link LibertyConfigTest}
 * covers every rule without a server; here, one of each kind in a real Liberty). Each case is the packaged
 * war with one setting overridden, dropped into the Arquillian server's dropins side by side (each on its own
 * context root); the test waits for Liberty to report each one not started and reads why from messages.log.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ConfigErrorIT {

    private static final Path SERVER = Path.of(System.getProperty("arquillian.wlp.home"), "usr/servers/arquillian");
    private static final Path MESSAGES = SERVER.resolve("logs/messages.log");

    private static ServerSocket occupied;
    private static Path scratch;

    @BeforeAll
    static void occupyAPort() throws IOException {
        occupied = new ServerSocket();
        occupied.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        scratch = Files.createTempDirectory(Path.of("target"), "config-errors");
    }

    @AfterAll
    static void release() throws IOException {
        occupied.close();
    }

    @Test
    void when_a_setting_is_wrong_then_the_application_does_not_start_and_the_log_names_the_property()
            throws IOException {
        Path otherCluster = Files.createDirectories(scratch.resolve("other-cluster"));
        Files.writeString(otherCluster.resolve("meta"), "cluster.id=elsewhere\nnode.id=a1\n");
        String dataDir = "raftkv.data.dir=" + scratch.resolve("data").toAbsolutePath() + "\n";

        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("bad-backend", new String[] {dataDir + "raftkv.wal.backend=tape",
            "raftkv.wal.backend: unknown backend 'tape'"});
        cases.put("id-not-a-member", new String[] {dataDir + "raftkv.node.id=zz",
            "raftkv.members: does not list this node's id 'zz'"});
        cases.put("port-taken", new String[] {dataDir + "raftkv.peer.port=" + occupied.getLocalPort(),
            "raftkv.peer.port: cannot listen on 127.0.0.1:" + occupied.getLocalPort()});
        cases.put("other-clusters-data", new String[] {"raftkv.data.dir=" + otherCluster.toAbsolutePath(),
            "raftkv.data.dir: " + otherCluster.toAbsolutePath() + " holds data of cluster.id 'elsewhere'"});

        long logOffset = Files.size(MESSAGES);
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            WebArchive war = Deployments.raftkvWith(c.getKey(), c.getValue()[0]);
            Path staged = scratch.resolve(c.getKey() + ".war");
            war.as(ZipExporter.class).exportTo(staged.toFile(), true);
            Files.move(staged, SERVER.resolve("dropins").resolve(c.getKey() + ".war"));
        }
        try {
            for (Map.Entry<String, String[]> c : cases.entrySet()) {
                String notStarted = "CWWKZ0012I: The application " + c.getKey() + " was not started";
                await(c.getKey()).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> logSince(logOffset).contains(notStarted));
                String log = logSince(logOffset);
                assertThat(log).as(c.getKey()).contains(
                        "raftkv: bad configuration, the node does not start: " + c.getValue()[1]);
            }
        } finally {
            for (String name : cases.keySet()) {
                Files.deleteIfExists(SERVER.resolve("dropins").resolve(name + ".war"));
            }
        }
    }

    private static String logSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(MESSAGES);
            return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
