package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the client port, with client-certificate authentication required. */
class TlsClientTest {

    private static final PutRequest PUT = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
            .setValue(ByteString.copyFromUtf8("v")).build();

    @TempDir
    Path dir;

    @Test
    void a_client_with_a_certificate_of_the_client_ca_writes_others_are_refused_without_hanging() throws Exception {
        TestPki pki = new TestPki(dir);
        TestPki.Ca serverCa = pki.ca("servers");
        TestPki.Ca clientCa = pki.ca("clients");
        TestPki.KeyFiles server = pki.member(serverCa, "n1");
        TestPki.KeyFiles alice = pki.client(clientCa, "alice", "alice");
        TestPki.KeyFiles stranger = pki.client(pki.ca("strangers"), "mallory", "mallory");
        Path serverCaFile = pki.caFile(serverCa);
        try (LocalCluster cluster = new LocalCluster(dir, 1, "memory", 3)) {
            cluster.start("n1", Map.of("raftkv.tls.client-cert", server.cert().toString(),
                    "raftkv.tls.client-key", server.key().toString(),
                    "raftkv.tls.client-ca", pki.caFile(clientCa).toString(),
                    "raftkv.tls.client-cert-auth", "true"));
            String target = cluster.clientAddress("n1");

            ManagedChannel trusted = tls(target, serverCaFile, alice);
            try {
                long index = await().atMost(Duration.ofSeconds(20))
                        .ignoreExceptionsMatching(e -> Status.fromThrowable(e).getCode() == Status.Code.UNAVAILABLE)
                        .until(() -> KvGrpc.newBlockingStub(trusted).withDeadlineAfter(5, TimeUnit.SECONDS)
                                .put(PUT).getHeader().getAppliedIndex(), i -> i > 0);
                assertThat(index).isPositive();
            } finally {
                trusted.shutdownNow();
            }
            for (ManagedChannel refused : new ManagedChannel[] {
                tls(target, serverCaFile, stranger), tls(target, serverCaFile, null),
                NettyChannelBuilder.forTarget(target).usePlaintext().build()}) {
                try {
                    Throwable error = catchThrowable(() -> KvGrpc.newBlockingStub(refused)
                            .withDeadlineAfter(10, TimeUnit.SECONDS).put(PUT));
                    assertThat(error).isInstanceOf(StatusRuntimeException.class);
                    assertThat(Status.fromThrowable(error).getCode()).as("refused at once, not at the deadline")
                            .isEqualTo(Status.Code.UNAVAILABLE);
                } finally {
                    refused.shutdownNow();
                }
            }
        }
    }

    private static ManagedChannel tls(String target, Path ca, TestPki.KeyFiles client) throws Exception {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
        if (client != null) {
            ssl.keyManager(client.cert().toFile(), client.key().toFile());
        }
        return NettyChannelBuilder.forTarget(target).sslContext(ssl.build()).build();
    }
}
