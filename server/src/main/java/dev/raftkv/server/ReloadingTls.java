package dev.raftkv.server;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A certificate, key and CA read from files and read again when the files change: every
 * {@code reloadMillis} the SHA-256 of the files is compared with that of the material in use;
 * on a change the files are parsed again and, if they parse, used by every handshake from then
 * on (connections already made keep theirs). Files that do not parse (e.g. caught half-written)
 * are logged and the previous material stays. The key manager and trust manager handed out
 * delegate to the current material, so one Netty SslContext serves across reloads.
 *
 * <p>Thread-safety: everything may be called from any thread.
 */
final class ReloadingTls implements AutoCloseable {

    private static final Logger LOG = System.getLogger(ReloadingTls.class.getName());

    private final String what;
    private final Path cert;
    private final String certSetting;
    private final Path key;
    private final String keySetting;
    private final Path ca;
    private final String caSetting;
    private final ScheduledExecutorService timer;
    private volatile TlsMaterial current;
    private volatile String failedFingerprint;

    /**
     * Reads the files now and, when {@code threadFactory} is not null, checks them every {@code reloadMillis}.
     *
     * @param what names the material in log lines ("peer", "client")
     * @throws ConfigException if the files do not parse now
     */
    ReloadingTls(String what, Path cert, String certSetting, Path key, String keySetting, Path ca, String caSetting,
                 long reloadMillis, ThreadFactory threadFactory) {
        this.what = what;
        this.cert = cert;
        this.certSetting = certSetting;
        this.key = key;
        this.keySetting = keySetting;
        this.ca = ca;
        this.caSetting = caSetting;
        this.current = TlsMaterial.read(cert, certSetting, key, keySetting, ca, caSetting);
        if (threadFactory == null) {
            timer = null;
        } else {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = threadFactory.newThread(r);
                t.setName("raftkv-tls-reload-" + what);
                t.setDaemon(true);
                return t;
            });
            executor.scheduleWithFixedDelay(this::reloadIfChanged, reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
            timer = executor;
        }
    }

    /** The material in use. */
    TlsMaterial current() {
        return current;
    }

    /**
     * Reads the files again if their SHA-256 differs from the material in use.
     *
     * @return whether new material is in use now
     */
    boolean reloadIfChanged() {
        String fingerprint = TlsMaterial.fingerprint(cert, key, ca);
        if (fingerprint.equals(current.fingerprint()) || fingerprint.equals(failedFingerprint)) {
            return false;
        }
        try {
            TlsMaterial material = TlsMaterial.read(cert, certSetting, key, keySetting, ca, caSetting);
            current = material;
            failedFingerprint = null;
            LOG.log(Level.INFO, () -> what + " TLS: new certificate in use for new connections: "
                    + material.chain().get(0).getSubjectX500Principal() + ", valid until "
                    + material.chain().get(0).getNotAfter().toInstant());
            return true;
        } catch (ConfigException e) {
            failedFingerprint = fingerprint;
            LOG.log(Level.WARNING, what + " TLS: changed files not used, the previous certificate stays: "
                    + e.getMessage());
            return false;
        }
    }

    /** A key manager presenting the current certificate. */
    X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return current.keyManager().getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return current.keyManager().chooseClientAlias(keyType, issuers, socket);
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return current.keyManager().chooseEngineClientAlias(keyType, issuers, engine);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return current.keyManager().getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return current.keyManager().chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return current.keyManager().chooseEngineServerAlias(keyType, issuers, engine);
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return current.keyManager().getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return current.keyManager().getPrivateKey(alias);
            }
        };
    }

    /** A check made after the CA's validation succeeded (identity, key usage). */
    @FunctionalInterface
    interface CertificateCheck {
        /** @throws CertificateException with the reason of the refusal */
        void check(X509Certificate[] chain, SSLEngine engine) throws CertificateException;
    }

    /**
     * A trust manager validating against the current CA (PKIX: chain, validity dates), then
     * {@code extra}. No host-name verification: peers are identified by {@code extra} instead.
     * Each refusal is reported to {@code refusals}.
     */
    X509ExtendedTrustManager trustManager(CertificateCheck extra, RefusalLog refusals) {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                check(chain, authType, engine, true);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                check(chain, authType, engine, false);
            }

            private void check(X509Certificate[] chain, String authType, SSLEngine engine, boolean client)
                    throws CertificateException {
                X509ExtendedTrustManager ca = current.trustManager();
                try {
                    if (client) {
                        ca.checkClientTrusted(chain, authType);
                    } else {
                        ca.checkServerTrusted(chain, authType);
                    }
                    extra.check(chain, engine);
                } catch (CertificateException e) {
                    String subject = chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal().getName();
                    String peer = engine == null || engine.getPeerHost() == null ? ""
                            : " at " + engine.getPeerHost() + ":" + engine.getPeerPort();
                    refusals.refused(what + "|" + subject + "|" + reason(e),
                            (client ? "a " + what + " connection" : "the " + what + " server") + peer
                                    + ": certificate " + subject + ": " + reason(e));
                    throw e;
                }
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                check(chain, authType, null, true);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                check(chain, authType, null, false);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain, authType, null, true);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain, authType, null, false);
            }

            /**
             * None named: a peer holding a certificate of another CA still presents it (instead of
             * presenting nothing), so the refusal can name the certificate and the reason.
             */
            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    private static String reason(Throwable e) {
        StringBuilder reason = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            reason.append(" (").append(cause.getMessage()).append(')');
        }
        return reason.toString();
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
