package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.Put;
import dev.raftkv.proto.RaftPeerGrpc;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.SnapshotMeta;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** InstallSnapshot over real gRPC: streamed in chunks, resumed after a dropped stream, verified before use. */
class SnapshotTransferTest {

    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;

    private Server server;
    private ManagedChannel channel;
    private SnapshotSender sender;
    private final List<Message> delivered = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesOnTheWire = new AtomicLong();

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    /** A leader's snapshot of a few MiB, so it takes several chunks. */
    private SnapshotInfo leaderSnapshot() {
        KvStateMachine sm = new KvStateMachine();
        String value = "x".repeat(200);
        for (int i = 1; i <= 20_000; i++) {
            sm.apply(i, Command.newBuilder().setPut(Put.newBuilder().setKey(ByteString.copyFromUtf8("key" + i))
                    .setValue(ByteString.copyFromUtf8(value + i))).build());
        }
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(20_000).setTerm(4)
                .setConf(ConfState.newBuilder().addVoters("n1").addVoters("n2")).build();
        return new SnapshotFiles(leaderDir, 2).write(meta, sm::writeSnapshot);
    }

    /**
     * Serves InstallSnapshot with a real receiver; the first stream that carries data is
     * cut after {@code cutAfterChunks} chunks, as a network failure would.
     */
    private void startFollower(int cutAfterChunks, boolean corruptOneChunk) throws Exception {
        TransitionLog log = new TransitionLog("n2");
        SnapshotReceiver receiver = new SnapshotReceiver("n2", new SnapshotFiles(followerDir, 2), delivered::add, log,
                System::nanoTime);
        AtomicInteger dataStreams = new AtomicInteger();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .maxInboundMessageSize(64 << 20)
                .addService(new RaftPeerGrpc.RaftPeerImplBase() {
                    @Override
                    public StreamObserver<SnapshotChunk> installSnapshot(StreamObserver<InstallSnapshotResponse> out) {
                        StreamObserver<SnapshotChunk> real = receiver.receive(out);
                        return new StreamObserver<>() {
                            private int chunks;
                            private boolean cut;
                            private boolean counted;

                            @Override
                            public void onNext(SnapshotChunk chunk) {
                                if (cut) {
                                    return;
                                }
                                if (!chunk.getData().isEmpty() && !counted) {
                                    counted = true;
                                    dataStreams.incrementAndGet();
                                }
                                bytesOnTheWire.addAndGet(chunk.getData().size());
                                chunks++;
                                if (dataStreams.get() == 1 && counted && chunks > cutAfterChunks) {
                                    cut = true;
                                    real.onError(Status.UNAVAILABLE.asRuntimeException());
                                    out.onError(Status.UNAVAILABLE.withDescription("connection lost")
                                            .asRuntimeException());
                                    return;
                                }
                                if (corruptOneChunk && dataStreams.get() == 1 && chunks == 2) {
                                    byte[] bytes = chunk.getData().toByteArray();
                                    bytes[bytes.length / 2] ^= 0x10;
                                    chunk = chunk.toBuilder().setData(ByteString.copyFrom(bytes)).build();
                                }
                                real.onNext(chunk);
                            }

                            @Override
                            public void onError(Throwable t) {
                                if (!cut) {
                                    real.onError(t);
                                }
                            }

                            @Override
                            public void onCompleted() {
                                if (!cut) {
                                    real.onCompleted();
                                }
                            }
                        };
                    }
                }).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    private CompletableFuture<Boolean> send(SnapshotInfo info) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        sender = new SnapshotSender("n1", id -> channel, Thread::new, (to, ok) -> done.complete(ok),
                new TransitionLog("n1"), System::nanoTime);
        SnapshotMeta meta = SnapshotFiles.verify(info.file());
        sender.send("n2", info.file(), meta, 4);
        return done;
    }

    @Test
    void a_dropped_stream_resumes_where_it_stopped_and_the_follower_gets_an_identical_verified_file()
            throws Exception {
        SnapshotInfo info = leaderSnapshot();
        assertThat(info.sizeBytes()).isGreaterThan(3L * SnapshotSender.CHUNK_BYTES);
        startFollower(2, false);
        assertThat(send(info).get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Path received = followerDir.resolve(info.file().getFileName());
        assertThat(Files.mismatch(received, info.file())).isEqualTo(-1L);
        assertThat(bytesOnTheWire.get()).as("resumed, not sent again from the start")
                .isLessThan(info.sizeBytes() + 2L * SnapshotSender.CHUNK_BYTES);
        await().atMost(Duration.ofSeconds(5)).until(() -> delivered.size() == 1);
        Message m = delivered.get(0);
        assertThat(m.getType()).isEqualTo(MessageType.MSG_SNAPSHOT);
        assertThat(m.getSnapshot().getIndex()).isEqualTo(20_000);
        assertThat(SnapshotFiles.load(received, SessionLimits.DEFAULT).stateMachine().size()).isEqualTo(20_000);
    }

    @Test
    void a_snapshot_damaged_on_the_way_is_rejected_and_sent_again() throws Exception {
        SnapshotInfo info = leaderSnapshot();
        startFollower(Integer.MAX_VALUE, true);
        assertThat(send(info).get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Path received = followerDir.resolve(info.file().getFileName());
        assertThat(Files.mismatch(received, info.file())).isEqualTo(-1L);
        assertThat(bytesOnTheWire.get()).as("the damaged transfer was discarded and repeated")
                .isGreaterThanOrEqualTo(2 * info.sizeBytes());
        assertThat(delivered).hasSize(1);
    }
}
