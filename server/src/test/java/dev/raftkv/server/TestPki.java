package dev.raftkv.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Throw-away certificates for tests, made in the test (nothing is committed): a CA, and member,
 * client or server certificates it issues, written as PEM files (PKCS#8 keys) into a directory.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A CA: its key pair and self-signed certificate. */
    public record Ca(String name, KeyPair keys, X509Certificate certificate) {
    }

    /** PEM files of one certificate. */
    public record KeyFiles(Path cert, Path key) {
    }

    private final Path dir;

    public TestPki(Path dir) {
        this.dir = dir;
    }

    static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Ca ca(String name) {
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Ca(name, keys, sign(builder, keys));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the CA's certificate to {@code <name>.crt}. */
    public Path caFile(Ca... cas) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Ca ca : cas) {
            certificates.add(ca.certificate());
        }
        return write(cas[0].name() + "-ca.crt", pem(certificates));
    }

    /** A member certificate: serverAuth and clientAuth, CN and SAN DNS {@code id}, SAN IP 127.0.0.1. */
    public KeyFiles member(Ca ca, String id) {
        return issue(ca, id, id, Instant.now().plus(Duration.ofDays(1)), KeyPurposeId.id_kp_serverAuth,
                KeyPurposeId.id_kp_clientAuth);
    }

    /** A client certificate: clientAuth only. */
    public KeyFiles client(Ca ca, String cn, String fileName) {
        return issue(ca, fileName, cn, Instant.now().plus(Duration.ofDays(1)), KeyPurposeId.id_kp_clientAuth);
    }

    /** A member certificate of {@code id} that expired an hour ago. */
    KeyFiles expiredMember(Ca ca, String id, String fileName) {
        return issue(ca, fileName, id, Instant.now().minus(Duration.ofHours(1)), KeyPurposeId.id_kp_serverAuth,
                KeyPurposeId.id_kp_clientAuth);
    }

    KeyFiles issue(Ca ca, String fileName, String cn, Instant notAfter, KeyPurposeId... usages) {
        KeyPair keys = keyPair();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notAfter.minus(Duration.ofDays(2))),
                    Date.from(notAfter), new X500Name("CN=" + cn), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usages))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, cn), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate certificate = sign(builder, ca.keys());
            Path cert = write(fileName + ".crt", pem(List.of(certificate)));
            Path key = write(fileName + ".key", pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            return new KeyFiles(cert, key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(List<X509Certificate> certificates) {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                text.append(pem("CERTIFICATE", certificate.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return text.toString();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** Writes {@code text} to a new file, then moves it into place (a reload never sees half a file). */
    Path write(String name, String text) {
        try {
            Path target = dir.resolve(name);
            Path temporary = Files.createTempFile(dir, name, ".tmp");
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            return Files.move(temporary, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
