package dev.raftkv.server;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotChunk;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Mutual TLS on the peer port, with member identity. Every member presents a certificate of the
 * cluster CA ({@code raftkv.tls.peer-ca}) that carries both extended key usages serverAuth and
 * clientAuth (a client's certificate, clientAuth only, is refused on the peer port) and names its
 * member: a SAN DNS name or the CN equal to the member id ({@code raftkv.tls.peer-identity=id})
 * or to the member's configured host ({@code host}).
 *
 * <p>A node checks the identity both ways: as a client it accepts only the certificate of the
 * member it dialled; as a server, its {@link #interceptor} refuses every Raft message, snapshot
 * chunk whose sender is not the member the certificate names (a valid
 * certificate of n2 used by n3 is refused). Refusals are logged through {@link RefusalLog}.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
final class PeerTls implements AutoCloseable {

    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final Pattern CN = Pattern.compile("(?:^|,)\\s*CN=([^,]+)");

    private final TlsSettings.PeerIdentity identity;
    private final Function<String, String> hostOf;
    private final ReloadingTls material;
    private final RefusalLog refusals;

    /**
     * @param hostOf the configured host of a member id, null when not known
     * @param threadFactory makes the reload thread; null: no reloading
     */
    PeerTls(TlsSettings settings, Function<String, String> hostOf, RefusalLog refusals,
            java.util.concurrent.ThreadFactory threadFactory) {
        this.identity = settings.peerIdentity();
        this.hostOf = hostOf;
        this.refusals = refusals;
        this.material = new ReloadingTls("peer", settings.peerCert(), "raftkv.tls.peer-cert", settings.peerKey(),
                "raftkv.tls.peer-key", settings.peerCa(), "raftkv.tls.peer-ca", settings.reload().toMillis(),
                threadFactory);
    }

    ReloadingTls material() {
        return material;
    }

    /** The peer port's server side: a certificate of the cluster CA with member key usages is required. */
    SslContext serverContext() {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(material.keyManager()))
                    .trustManager(material.trustManager((chain, engine) -> requireMemberUsage(chain[0]), refusals))
                    .clientAuth(ClientAuth.REQUIRE).build();
        } catch (SSLException e) {
            throw new ConfigException("raftkv.tls.peer-cert", "cannot make a TLS server context: " + e.getMessage());
        }
    }

    /**
     * The client side of a connection to {@code expectedId}: the server must prove it is that
     * member. With a null id (a joining node dials an address) any member certificate is accepted.
     */
    SslContext clientContext(String expectedId) {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forClient().keyManager(material.keyManager()))
                    .trustManager(material.trustManager((chain, engine) -> {
                        requireMemberUsage(chain[0]);
                        if (expectedId != null && !names(expectedId, chain[0])) {
                            throw new CertificateException("it does not name member " + expectedId + " (names: "
                                    + names(chain[0]) + ", peer identity by " + identity.name().toLowerCase() + ")");
                        }
                    }, refusals)).build();
        } catch (SSLException e) {
            throw new ConfigException("raftkv.tls.peer-cert", "cannot make a TLS client context: " + e.getMessage());
        }
    }

    /** Whether {@code certificate} names member {@code id} under the configured identity rule. */
    boolean names(String id, X509Certificate certificate) {
        Set<String> names = names(certificate);
        if (identity == TlsSettings.PeerIdentity.ID) {
            return names.contains(id);
        }
        String host = hostOf.apply(id);
        return host != null && names.contains(host);
    }

    private static void requireMemberUsage(X509Certificate certificate) throws CertificateException {
        List<String> usages = certificate.getExtendedKeyUsage();
        if (usages == null || !usages.contains(SERVER_AUTH) || !usages.contains(CLIENT_AUTH)) {
            throw new CertificateException("it is not a member certificate: its extended key usage is " + usages
                    + ", a member's has both serverAuth and clientAuth (a client certificate is refused on the"
                    + " peer port)");
        }
    }

    /** The SAN DNS names, SAN IP addresses and the CN of {@code certificate}. */
    static Set<String> names(X509Certificate certificate) {
        Set<String> names = new LinkedHashSet<>();
        try {
            if (certificate.getSubjectAlternativeNames() != null) {
                for (List<?> san : certificate.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 7) {
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable SAN: the CN alone names it
        }
        Matcher cn = CN.matcher(certificate.getSubjectX500Principal().getName());
        if (cn.find()) {
            names.add(cn.group(1).strip());
        }
        return names;
    }

    /**
     * Refuses, with PERMISSION_DENIED, any call on the peer port whose messages claim a sender
     * other than the member the TLS certificate names. Raft messages and snapshot chunks carry
     * their sender ({@code from}); other calls (forwarded requests) need a member certificate.
     */
    ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                              ServerCallHandler<Q, A> next) {
                X509Certificate certificate = peerCertificate(call);
                String remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                if (certificate == null) {
                    refusals.refused("no-cert|" + remote, "a peer call from " + remote + ": no TLS client certificate");
                    call.close(Status.UNAUTHENTICATED.withDescription("a member certificate is required"),
                            new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                        next.startCall(call, headers)) {
                    private boolean refused;

                    @Override
                    public void onMessage(Q message) {
                        if (refused) {
                            return;
                        }
                        String claimed = claimedSender(message);
                        if (claimed == null || names(claimed, certificate)) {
                            super.onMessage(message);
                            return;
                        }
                        refused = true;
                        String subject = certificate.getSubjectX500Principal().getName();
                        refusals.refused("impostor|" + subject + "|" + claimed, "a peer call from " + remote
                                + ": the message claims to come from member " + claimed + " but the certificate ("
                                + subject + ") names " + names(certificate));
                        call.close(Status.PERMISSION_DENIED.withDescription("PEER_IDENTITY_MISMATCH: the certificate"
                                + " does not name member " + claimed), new Metadata());
                    }

                    @Override
                    public void onHalfClose() {
                        if (!refused) {
                            super.onHalfClose();
                        }
                    }
                };
            }
        };
    }

    /** The member a peer message says it comes from; null when it names none. */
    private static String claimedSender(Object message) {
        if (message instanceof Message m) {
            return m.getFrom();
        }
        if (message instanceof SnapshotChunk chunk) {
            return chunk.getFrom().isEmpty() ? null : chunk.getFrom();
        }
        return null;
    }

    private static X509Certificate peerCertificate(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            return (X509Certificate) session.getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void close() {
        material.close();
    }
}
