package dev.raftkv.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One reading of a certificate chain, its private key and the trusted CAs, from PEM files, as
 * the JDK's key and trust managers; with the SHA-256 of the files' bytes, so that a reload can
 * tell whether anything changed. Immutable.
 *
 * @param keyManager presents {@code chain} with {@code key}
 * @param trustManager PKIX validation against the CA certificates (expiry included); null without CA file
 * @param chain the certificate chain, the node's own certificate first
 * @param fingerprint SHA-256 over the three files' contents
 */
record TlsMaterial(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager,
                   List<X509Certificate> chain, String fingerprint) {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    /**
     * Reads the files.
     *
     * @param ca may be null: no trust manager
     * @throws ConfigException naming the setting whose file does not parse
     */
    static TlsMaterial read(Path cert, String certSetting, Path key, String keySetting, Path ca, String caSetting) {
        byte[] certBytes = bytes(cert, certSetting);
        byte[] keyBytes = bytes(key, keySetting);
        byte[] caBytes = ca == null ? new byte[0] : bytes(ca, caSetting);
        List<X509Certificate> chain = certificates(certBytes, cert, certSetting);
        PrivateKey privateKey = privateKey(keyBytes, key, keySetting);
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry("node", privateKey, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            X509ExtendedKeyManager keyManager = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
            X509ExtendedTrustManager trustManager = null;
            if (ca != null) {
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                int i = 0;
                for (X509Certificate c : certificates(caBytes, ca, caSetting)) {
                    trusted.setCertificateEntry("ca" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(trusted);
                trustManager = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
            }
            if (!chain.get(0).getPublicKey().getAlgorithm().equals(privateKey.getAlgorithm())) {
                throw new ConfigException(keySetting, "the key in " + key + " is " + privateKey.getAlgorithm()
                        + " but the certificate in " + cert + " holds a " + chain.get(0).getPublicKey().getAlgorithm()
                        + " key");
            }
            return new TlsMaterial(keyManager, trustManager, List.copyOf(chain),
                    fingerprint(certBytes, keyBytes, caBytes));
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(certSetting, "cannot use " + cert + " with " + key + ": " + e.getMessage());
        }
    }

    /** SHA-256 over the files as they are now (any unreadable file counts as a change: "unreadable"). */
    static String fingerprint(Path... files) {
        List<byte[]> contents = new ArrayList<>();
        for (Path file : files) {
            try {
                contents.add(file == null ? new byte[0] : Files.readAllBytes(file));
            } catch (IOException e) {
                return "unreadable";
            }
        }
        return fingerprint(contents.toArray(byte[][]::new));
    }

    private static String fingerprint(byte[]... contents) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] content : contents) {
                sha.update(content);
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static byte[] bytes(Path file, String setting) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(setting, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(byte[] pem, Path file, String setting) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(pem, "CERTIFICATE")) {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(setting, file + " holds a certificate that does not parse: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new ConfigException(setting, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    private static PrivateKey privateKey(byte[] pem, Path file, String setting) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                || text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new ConfigException(setting, file + " is not an unencrypted PKCS#8 key (BEGIN PRIVATE KEY);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file);
        }
        List<byte[]> keys = blocks(pem, "PRIVATE KEY");
        if (keys.size() != 1) {
            throw new ConfigException(setting, file + " holds " + keys.size()
                    + " PEM private keys (-----BEGIN PRIVATE KEY-----); exactly one is needed");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keys.get(0)));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new ConfigException(setting, file + " holds a private key that is neither RSA, EC nor Ed25519");
    }

    private static List<byte[]> blocks(byte[] pem, String type) {
        List<byte[]> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(new String(pem, StandardCharsets.US_ASCII));
        while (m.find()) {
            if (m.group(1).equals(type)) {
                blocks.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return blocks;
    }
}
