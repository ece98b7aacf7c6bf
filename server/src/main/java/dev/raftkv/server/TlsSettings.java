package dev.raftkv.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The TLS settings of a node ({@code raftkv.tls.*}). Peer TLS is on when the three peer files
 * are set, client TLS when the client certificate and key are; each group is all or nothing.
 * Files are PEM: certificates (a chain, the node's own first), a PKCS#8 private key
 * ({@code BEGIN PRIVATE KEY}; {@code openssl pkcs8 -topk8 -nocrypt} converts others) and CA
 * certificates.
 *
 * @param peerCert {@code raftkv.tls.peer-cert}: this member's certificate chain, used both as server
 *     and as client on the peer port; it must carry the extended key usages serverAuth and clientAuth
 * @param peerKey {@code raftkv.tls.peer-key}
 * @param peerCa {@code raftkv.tls.peer-ca}: the cluster CA; only certificates it issued are accepted
 * @param peerIdentity {@code raftkv.tls.peer-identity}: {@code id} (default: a SAN DNS name or the CN
 *     of the peer's certificate is its member id) or {@code host} (it is the member's configured host)
 * @param clientCert {@code raftkv.tls.client-cert}: the certificate the client port presents
 * @param clientKey {@code raftkv.tls.client-key}
 * @param clientCa {@code raftkv.tls.client-ca}: CAs of client certificates (needed with client-cert-auth)
 * @param clientCertAuth {@code raftkv.tls.client-cert-auth}: clients must present a certificate the
 *     client CA issued (default false)
 * @param reload {@code raftkv.tls.reload-ms}: how often the files are checked for a change
 *     (default 5000); a changed file is used by connections made after the check
 */
public record TlsSettings(Path peerCert, Path peerKey, Path peerCa, PeerIdentity peerIdentity,
                          Path clientCert, Path clientKey, Path clientCa, boolean clientCertAuth, Duration reload) {

    /** How a peer certificate names its member. */
    public enum PeerIdentity { ID, HOST }

    /** No TLS at all. */
    public static final TlsSettings OFF = new TlsSettings(null, null, null, PeerIdentity.ID, null, null, null,
            false, Duration.ofSeconds(5));

    public boolean peerTls() {
        return peerCert != null;
    }

    public boolean clientTls() {
        return clientCert != null;
    }

    /**
     * Reads the settings.
     *
     * @throws ConfigException naming the first setting that is wrong: a group set in part, a file that
     *     does not exist or cannot be read, an unknown identity mode
     */
    public static TlsSettings load(Function<String, Optional<String>> lookup) {
        Path peerCert = file(lookup, "raftkv.tls.peer-cert");
        Path peerKey = file(lookup, "raftkv.tls.peer-key");
        Path peerCa = file(lookup, "raftkv.tls.peer-ca");
        allOrNone("raftkv.tls.peer-", peerCert, peerKey, peerCa);
        String identity = lookup.apply("raftkv.tls.peer-identity").orElse("id");
        PeerIdentity peerIdentity = switch (identity.toLowerCase(Locale.ROOT)) {
            case "id" -> PeerIdentity.ID;
            case "host" -> PeerIdentity.HOST;
            default -> throw new ConfigException("raftkv.tls.peer-identity", "'" + identity
                    + "' is neither id nor host");
        };
        Path clientCert = file(lookup, "raftkv.tls.client-cert");
        Path clientKey = file(lookup, "raftkv.tls.client-key");
        Path clientCa = file(lookup, "raftkv.tls.client-ca");
        allOrNone("raftkv.tls.client-", clientCert, clientKey);
        String auth = lookup.apply("raftkv.tls.client-cert-auth").orElse("false").toLowerCase(Locale.ROOT);
        if (!auth.matches("true|false")) {
            throw new ConfigException("raftkv.tls.client-cert-auth", "'" + auth + "' is neither true nor false");
        }
        boolean clientCertAuth = auth.equals("true");
        if (clientCertAuth && (clientCert == null || clientCa == null)) {
            throw new ConfigException("raftkv.tls.client-cert-auth", "needs raftkv.tls.client-cert, client-key and"
                    + " client-ca (the CA whose certificates clients present)");
        }
        if (clientCa != null && clientCert == null) {
            throw new ConfigException("raftkv.tls.client-ca", "is set but raftkv.tls.client-cert is not (client TLS"
                    + " needs the node's own certificate and key)");
        }
        String reloadText = lookup.apply("raftkv.tls.reload-ms").orElse("5000");
        long reloadMs;
        try {
            reloadMs = Long.parseLong(reloadText);
        } catch (NumberFormatException e) {
            throw new ConfigException("raftkv.tls.reload-ms", "'" + reloadText + "' is not a whole number");
        }
        if (reloadMs < 10 || reloadMs > 3_600_000) {
            throw new ConfigException("raftkv.tls.reload-ms", reloadMs + " is outside 10..3600000");
        }
        TlsSettings settings = new TlsSettings(peerCert, peerKey, peerCa, peerIdentity, clientCert, clientKey,
                clientCa, clientCertAuth, Duration.ofMillis(reloadMs));
        // parse once now, so that a bad file stops the node at start with the setting's name
        if (settings.peerTls()) {
            TlsMaterial.read(peerCert, "raftkv.tls.peer-cert", peerKey, "raftkv.tls.peer-key", peerCa,
                    "raftkv.tls.peer-ca");
        }
        if (settings.clientTls()) {
            TlsMaterial.read(clientCert, "raftkv.tls.client-cert", clientKey, "raftkv.tls.client-key", clientCa,
                    "raftkv.tls.client-ca");
        }
        return settings;
    }

    private static Path file(Function<String, Optional<String>> lookup, String name) {
        Optional<String> text = lookup.apply(name);
        if (text.isEmpty()) {
            return null;
        }
        Path path = Path.of(text.get());
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(name, "file " + path + " does not exist");
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(name, "file " + path + " cannot be read by this process");
        }
        return path;
    }

    private static void allOrNone(String prefix, Path... files) {
        String[] names = prefix.equals("raftkv.tls.peer-") ? new String[] {"cert", "key", "ca"}
                : new String[] {"cert", "key"};
        boolean any = false;
        boolean all = true;
        for (Path file : files) {
            any |= file != null;
            all &= file != null;
        }
        if (any && !all) {
            for (int i = 0; i < files.length; i++) {
                if (files[i] == null) {
                    throw new ConfigException(prefix + names[i], "is required when any of " + prefix
                            + String.join("/", names) + " is set");
                }
            }
        }
    }
}
