package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsSettingsTest {

    @TempDir
    Path dir;
    private final Map<String, String> settings = new HashMap<>();
    private TestPki.KeyFiles n1;
    private Path ca;

    @BeforeEach
    void certificates() {
        TestPki pki = new TestPki(dir);
        TestPki.Ca cluster = pki.ca("cluster");
        ca = pki.caFile(cluster);
        n1 = pki.member(cluster, "n1");
    }

    private TlsSettings load() {
        return TlsSettings.load(name -> Optional.ofNullable(settings.get(name)));
    }

    private void peerFiles() {
        settings.put("raftkv.tls.peer-cert", n1.cert().toString());
        settings.put("raftkv.tls.peer-key", n1.key().toString());
        settings.put("raftkv.tls.peer-ca", ca.toString());
    }

    @Test
    void when_nothing_is_set_then_tls_is_off() {
        TlsSettings tls = load();
        assertThat(tls.peerTls()).isFalse();
        assertThat(tls.clientTls()).isFalse();
    }

    @Test
    void when_the_three_peer_files_are_set_then_peer_tls_is_on() {
        peerFiles();
        TlsSettings tls = load();
        assertThat(tls.peerTls()).isTrue();
        assertThat(tls.peerIdentity()).isEqualTo(TlsSettings.PeerIdentity.ID);
    }

    @Test
    void when_a_peer_file_is_missing_from_the_settings_then_the_error_names_it() {
        peerFiles();
        settings.remove("raftkv.tls.peer-key");
        assertThatThrownBy(this::load).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.property()).isEqualTo("raftkv.tls.peer-key"));
    }

    @Test
    void when_a_file_does_not_exist_then_the_error_names_the_setting_and_the_file() {
        peerFiles();
        settings.put("raftkv.tls.peer-ca", dir.resolve("nope.crt").toString());
        assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("raftkv.tls.peer-ca: file ").hasMessageContaining("nope.crt does not exist");
    }

    @Test
    void when_the_key_is_not_pkcs8_then_the_error_says_how_to_convert_it() {
        peerFiles();
        Path legacy = new TestPki(dir).write("legacy.key", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        settings.put("raftkv.tls.peer-key", legacy.toString());
        assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("raftkv.tls.peer-key:").hasMessageContaining("openssl pkcs8 -topk8");
    }

    @Test
    void when_the_certificate_file_holds_no_certificate_then_the_error_names_it() {
        peerFiles();
        settings.put("raftkv.tls.peer-cert", n1.key().toString());
        assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("raftkv.tls.peer-cert:").hasMessageContaining("no PEM certificate");
    }

    @Test
    void when_the_identity_mode_is_unknown_then_the_error_names_the_setting() {
        settings.put("raftkv.tls.peer-identity", "cn");
        assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
                .hasMessage("raftkv.tls.peer-identity: 'cn' is neither id nor host");
    }

    @Test
    void when_client_certificates_are_required_without_a_client_ca_then_the_error_says_so() {
        settings.put("raftkv.tls.client-cert", n1.cert().toString());
        settings.put("raftkv.tls.client-key", n1.key().toString());
        settings.put("raftkv.tls.client-cert-auth", "true");
        assertThatThrownBy(this::load).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.property()).isEqualTo("raftkv.tls.client-cert-auth"));
    }

    @Test
    void when_the_reload_interval_is_out_of_range_then_the_error_names_the_setting() {
        settings.put("raftkv.tls.reload-ms", "1");
        assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
                .hasMessage("raftkv.tls.reload-ms: 1 is outside 10..3600000");
    }
}
