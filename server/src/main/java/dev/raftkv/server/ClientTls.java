package dev.raftkv.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.util.concurrent.ThreadFactory;
import javax.net.ssl.SSLException;

/**
 * TLS on the client port ({@code raftkv.tls.client-*}): the node presents its certificate; with
 * {@code raftkv.tls.client-cert-auth} every client must present a certificate the client CA
 * issued (validity dates checked), else the handshake fails and the refusal is logged. The
 * files are re-read on change like the peer ones ({@link ReloadingTls}).
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
final class ClientTls implements AutoCloseable {

    private final TlsSettings settings;
    private final ReloadingTls material;
    private final RefusalLog refusals;

    /** @param threadFactory makes the reload thread; null: no reloading */
    ClientTls(TlsSettings settings, RefusalLog refusals, ThreadFactory threadFactory) {
        this.settings = settings;
        this.refusals = refusals;
        this.material = new ReloadingTls("client", settings.clientCert(), "raftkv.tls.client-cert",
                settings.clientKey(), "raftkv.tls.client-key", settings.clientCa(), "raftkv.tls.client-ca",
                settings.reload().toMillis(), threadFactory);
    }

    ReloadingTls material() {
        return material;
    }

    SslContext serverContext() {
        try {
            SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(material.keyManager()));
            if (settings.clientCa() != null) {
                builder.trustManager(material.trustManager((chain, engine) -> { }, refusals))
                        .clientAuth(settings.clientCertAuth() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            return builder.build();
        } catch (SSLException e) {
            throw new ConfigException("raftkv.tls.client-cert", "cannot make a TLS server context: "
                    + e.getMessage());
        }
    }

    @Override
    public void close() {
        material.close();
    }
}
