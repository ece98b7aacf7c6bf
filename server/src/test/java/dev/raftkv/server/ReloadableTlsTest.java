package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate rotation: the files are read again when their SHA-256 changes, and only if they parse. */
class ReloadableTlsTest {

    @TempDir
    Path dir;

    @Test
    void when_the_files_change_then_the_new_certificate_is_used_and_a_broken_file_keeps_the_old_one()
            throws Exception {
        TestPki pki = new TestPki(dir);
        TestPki.Ca first = pki.ca("first");
        TestPki.KeyFiles n1 = pki.member(first, "n1");
        Path ca = pki.caFile(first);
        try (ReloadingTls tls = new ReloadingTls("peer", n1.cert(), "raftkv.tls.peer-cert", n1.key(),
                "raftkv.tls.peer-key", ca, "raftkv.tls.peer-ca", 1_000, null)) {
            TlsMaterial before = tls.current();
            assertThat(tls.reloadIfChanged()).as("unchanged files").isFalse();

            // rotate to a certificate of a new CA: the key and certificate files replaced, the CA file too
            TestPki.Ca second = pki.ca("second");
            TestPki.KeyFiles rotated = pki.member(second, "n1-rotated");
            Files.move(rotated.cert(), n1.cert(), StandardCopyOption.REPLACE_EXISTING);
            Files.move(rotated.key(), n1.key(), StandardCopyOption.REPLACE_EXISTING);
            Files.move(pki.caFile(first, second), ca, StandardCopyOption.REPLACE_EXISTING);
            assertThat(tls.reloadIfChanged()).isTrue();
            assertThat(tls.current().chain().get(0).getIssuerX500Principal().getName()).isEqualTo("CN=second");
            assertThat(tls.keyManager().getCertificateChain("node")[0].getIssuerX500Principal().getName())
                    .as("the key manager handed out earlier delegates to the new material")
                    .isEqualTo("CN=second");

            TlsMaterial good = tls.current();
            pki.write(n1.cert().getFileName().toString(), "-----BEGIN CERTIFICATE-----\nhalf");
            assertThat(tls.reloadIfChanged()).as("a file that does not parse").isFalse();
            assertThat(tls.current()).isSameAs(good).isNotSameAs(before);
        }
    }
}
