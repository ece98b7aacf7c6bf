package dev.raftkv.liberty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.server.ConfigException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LibertyConfigTest {

    @TempDir
    Path dir;

    private Map<String, String> valid() {
        Map<String, String> settings = new HashMap<>();
        settings.put("raftkv.node.id", "n1");
        settings.put("raftkv.members", "n1=127.0.0.1:7001:9001,n2=127.0.0.1:7002:9002");
        settings.put("raftkv.data.dir", dir.resolve("data").toString());
        return settings;
    }

    private static LibertyConfig load(Map<String, String> settings) {
        return LibertyConfig.load(name -> Optional.ofNullable(settings.get(name)));
    }

    @Test
    void when_only_the_required_settings_are_given_then_the_defaults_apply() {
        LibertyConfig config = load(valid());

        assertThat(config.node().nodeId()).isEqualTo("n1");
        assertThat(config.node().peerPort()).isEqualTo(7001);
        assertThat(config.node().clientPort()).isEqualTo(9001);
        assertThat(config.adminUser()).isEmpty();
        assertThat(config.maxReadyApplyLag()).isEqualTo(1000);
        assertThat(config.drainTimeoutMillis()).isEqualTo(5000);
    }

    @ParameterizedTest(name = "{0}={1} is refused naming {2}")
    @CsvSource(delimiter = '|', value = {
        "raftkv.wal.backend      | tape                 | raftkv.wal.backend",
        "raftkv.members          | n1=127.0.0.1         | raftkv.members",
        "raftkv.node.id          | zz                   | raftkv.members",
        "raftkv.client.port      | 7001                 | raftkv.client.port",
        "raftkv.client.port      | 9080                 | raftkv.client.port",
        "raftkv.peer.port        | 9443                 | raftkv.peer.port",
        "raftkv.http.port        | 7001                 | raftkv.peer.port",
        "raftkv.http.port        | eighty               | raftkv.http.port",
        "raftkv.health.max-apply-lag | -1               | raftkv.health.max-apply-lag",
        "raftkv.raft.tick-ms     | 0                    | raftkv.raft.tick-ms",
    })
    void when_a_setting_is_wrong_then_the_exception_names_it(String name, String value, String blamed) {
        Map<String, String> settings = valid();
        settings.put(name, value);

        assertThatThrownBy(() -> load(settings)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).property()).isEqualTo(blamed))
                .hasMessageStartingWith(blamed + ": ");
    }

    @Test
    void when_a_required_setting_is_missing_then_the_exception_names_it() {
        Map<String, String> settings = valid();
        settings.remove("raftkv.data.dir");

        assertThatThrownBy(() -> load(settings)).isInstanceOf(ConfigException.class)
                .hasMessage("raftkv.data.dir: is required");
    }

    @Test
    void when_the_peer_port_is_taken_then_preflight_names_raftkv_peer_port() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Map<String, String> settings = valid();
            settings.put("raftkv.peer.port", Integer.toString(taken.getLocalPort()));
            settings.put("raftkv.client.port", "0");

            assertThatThrownBy(() -> Preflight.check(load(settings).node())).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("raftkv.peer.port: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void when_the_data_dir_cannot_be_created_then_preflight_names_raftkv_data_dir() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Map<String, String> settings = valid();
        settings.put("raftkv.data.dir", file.resolve("data").toString());
        settings.put("raftkv.peer.port", "0");
        settings.put("raftkv.client.port", "0");

        assertThatThrownBy(() -> Preflight.check(load(settings).node())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("raftkv.data.dir: cannot create");
    }

    @Test
    void when_the_data_dir_holds_another_clusters_data_then_preflight_refuses_it() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("meta"), "cluster.id=elsewhere\nnode.id=n1\n");
        Map<String, String> settings = valid();
        settings.put("raftkv.peer.port", "0");
        settings.put("raftkv.client.port", "0");

        assertThatThrownBy(() -> Preflight.check(load(settings).node())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("raftkv.data.dir: ").hasMessageContaining("cluster.id 'elsewhere'");
    }
}
