package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.RaftPeerGrpc;
import dev.raftkv.proto.StreamSummary;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer mutual TLS with member identity on a real 3-node cluster over loopback. Each intruder
 * connects to the peer port of a follower and sends a heartbeat, claiming to be a member, with a
 * term far above the cluster's: accepted, it would make the follower adopt that term. Each one is
 * refused, the refusal is logged once with its reason, and the cluster keeps serving in its term.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerTlsTest {

    private static final Duration ELECTION = Duration.ofSeconds(20);
    private static final Logger REFUSALS = Logger.getLogger(RefusalLog.class.getName());

    private TestPki pki;
    private TestPki.Ca ca;
    private Path caFile;
    private LocalCluster cluster;
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    void startTlsCluster(@TempDir Path dir) {
        REFUSALS.addHandler(handler);
        pki = new TestPki(dir);
        ca = pki.ca("cluster");
        caFile = pki.caFile(ca);
        cluster = new LocalCluster(dir, 3, "memory", 7).with("raftkv.tls.peer-ca", caFile.toString());
        for (String id : cluster.ids()) {
            TestPki.KeyFiles files = pki.member(ca, id);
            cluster.start(id, Map.of("raftkv.tls.peer-cert", files.cert().toString(),
                    "raftkv.tls.peer-key", files.key().toString()));
        }
        put("before", "intruders");
        assertThat(logged).as("members refused one another").isEmpty();
    }

    @AfterAll
    void stop() {
        REFUSALS.removeHandler(handler);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void members_with_certificates_of_the_cluster_ca_elect_a_leader_and_replicate() {
        long index = put("k", "v");
        await().atMost(ELECTION).until(() -> cluster.running().stream()
                .allMatch(id -> cluster.node(id).status().appliedIndex() >= index));
    }

    @Test
    void a_certificate_of_an_unknown_ca_is_refused() {
        TestPki.Ca other = pki.ca("other");
        TestPki.KeyFiles n3 = pki.member(other, "n3-other-ca");
        intrude(tls(n3), "n3", "unable to find valid certification path");
    }

    @Test
    void an_expired_certificate_is_refused() {
        intrude(tls(pki.expiredMember(ca, "n3", "n3-expired")), "n3", "validity check failed");
    }

    @Test
    void a_valid_certificate_of_n2_used_by_n3_is_refused() {
        TestPki.KeyFiles n2 = pki.member(ca, "n2");
        intrude(tls(n2), "n3", "claims to come from member n3 but the certificate");
    }

    @Test
    void a_client_certificate_on_the_peer_port_is_refused() {
        intrude(tls(pki.client(ca, "n3", "client-n3")), "n3", "not a member certificate");
    }

    @Test
    void a_plaintext_peer_is_refused() {
        intrude(target -> NettyChannelBuilder.forTarget(target).usePlaintext().build(), "n3", null);
    }

    private java.util.function.Function<String, ManagedChannel> tls(TestPki.KeyFiles files) {
        return target -> {
            try {
                return NettyChannelBuilder.forTarget(target).sslContext(GrpcSslContexts.forClient()
                        .keyManager(files.cert().toFile(), files.key().toFile()).trustManager(caFile.toFile())
                        .build()).build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * Sends, twice, a forged heartbeat "from" {@code claimed} to a follower over a channel that
     * {@code connect} makes; asserts both were refused, the refusal was logged once (when
     * {@code reason} is not null) and the cluster still commits writes in its own term.
     */
    private void intrude(java.util.function.Function<String, ManagedChannel> connect, String claimed,
                         String reason) {
        String leader = await().atMost(ELECTION).until(() -> cluster.leader(), java.util.Optional::isPresent)
                .orElseThrow();
        String follower = cluster.running().stream().filter(id -> !id.equals(leader) && !id.equals(claimed))
                .findFirst().orElseThrow();
        long forgedTerm = cluster.node(leader).status().term() + 1_000;
        Message forged = Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setFrom(claimed).setTo(follower)
                .setTerm(forgedTerm).build();
        int loggedBefore = logged.size();
        for (int attempt = 0; attempt < 2; attempt++) {
            ManagedChannel channel = connect.apply(cluster.peerAddress(follower));
            try {
                Throwable error = send(channel, forged);
                assertThat(error).as("the forged heartbeat must be refused").isNotNull();
                Status.Code code = Status.fromThrowable(error).getCode();
                assertThat(code).isIn(Status.Code.UNAVAILABLE, Status.Code.PERMISSION_DENIED,
                        Status.Code.UNAUTHENTICATED);
            } finally {
                channel.shutdownNow();
            }
        }
        long index = put("after", "refusal");
        await().atMost(ELECTION).until(() -> cluster.running().stream()
                .allMatch(id -> cluster.node(id).status().appliedIndex() >= index));
        assertThat(cluster.running()).allSatisfy(id ->
                assertThat(cluster.node(id).status().term()).isLessThan(forgedTerm));
        if (reason != null) {
            List<String> refusals = logged.subList(loggedBefore, logged.size());
            assertThat(refusals).filteredOn(line -> line.contains(reason)).hasSize(1);
        }
    }

    /** Opens a peer stream, sends {@code m}, ends the stream: null when the peer took it, else the error. */
    private static Throwable send(ManagedChannel channel, Message m) {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        StreamObserver<Message> stream = RaftPeerGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .stream(new StreamObserver<StreamSummary>() {
                    @Override
                    public void onNext(StreamSummary value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        outcome.complete(t);
                    }

                    @Override
                    public void onCompleted() {
                        outcome.complete(null);
                    }
                });
        try {
            stream.onNext(m);
            stream.onCompleted();
        } catch (RuntimeException ended) {
            // the call failed already: its error arrives through onError
        }
        return outcome.join();
    }

    /** Writes through the leader, retrying while there is none; the index the write got. */
    private long put(String key, String value) {
        PutRequest request = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value)).build();
        return await().atMost(ELECTION).ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .until(() -> {
                    String leader = cluster.leader().orElseThrow(() -> new StatusRuntimeException(Status.UNAVAILABLE));
                    return cluster.client(leader, Duration.ofSeconds(5)).put(request).getHeader().getAppliedIndex();
                }, index -> index > 0);
    }
}
