package dev.raftkv.bench;

import com.google.protobuf.ByteString;
import dev.raftkv.client.cli.BenchTarget;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.PipelineRequest;
import dev.raftkv.proto.PipelineResponse;
import dev.raftkv.proto.PutRequest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * raftkv's second client style: the operations of {@link RaftKvUnaryTarget} (session-less puts,
 * linearizable gets) sent as messages on {@code Kv.Pipeline} streams, {@value #LANES} per node as
 * raftkv's client library keeps, answered by id. Requests go round-robin over every node's
 * streams. Each request carries its timeout, which the node enforces; a broken stream fails the
 * requests in flight on it and is opened again for the next one. Thread-safe.
 */
final class RaftKvPipelinedTarget implements BenchTarget, AutoCloseable {

    /** Streams per node: the client library's number (gRPC delivers one stream's messages one at a time). */
    static final int LANES = 4;

    private final Channels<KvGrpc.KvStub> nodes;
    private final List<Lane> lanes = new ArrayList<>();
    private final AtomicInteger nextLane = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final long timeoutMillis;
    private volatile boolean closed;

    /**
     * @param endpoints each node's client address as {@code host:port}
     * @param callDeadline how long each request may take (its {@code timeout_ms})
     */
    RaftKvPipelinedTarget(List<String> endpoints, Duration callDeadline) {
        this.nodes = new Channels<>(endpoints, KvGrpc::newStub);
        this.timeoutMillis = callDeadline.toMillis();
        for (int lane = 0; lane < LANES; lane++) {
            for (KvGrpc.KvStub stub : nodes.all()) {
                lanes.add(new Lane(stub));
            }
        }
    }

    @Override
    public CompletableFuture<?> put(ByteString key, ByteString value) {
        return send(PipelineRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(key).setValue(value)));
    }

    @Override
    public CompletableFuture<?> get(ByteString key) {
        return send(PipelineRequest.newBuilder()
                .setGet(GetRequest.newBuilder().setKey(key).setConsistency(Consistency.LINEARIZABLE)));
    }

    private CompletableFuture<PipelineResponse> send(PipelineRequest.Builder request) {
        PipelineRequest message = request.setId(ids.incrementAndGet()).setTimeoutMs(timeoutMillis).build();
        return lanes.get(Math.floorMod(nextLane.getAndIncrement(), lanes.size())).send(message);
    }

    /** Ends every stream (requests in flight fail with {@code CANCELLED}) and closes the channels. */
    @Override
    public void close() {
        closed = true;
        for (Lane lane : lanes) {
            lane.close();
        }
        nodes.close();
    }

    /** One stream to one node, opened on first use and again after it broke. */
    private final class Lane {
        private final KvGrpc.KvStub stub;
        /** Guarded by this: gRPC's request observer is not thread-safe. */
        private Stream stream;

        Lane(KvGrpc.KvStub stub) {
            this.stub = stub;
        }

        CompletableFuture<PipelineResponse> send(PipelineRequest request) {
            CompletableFuture<PipelineResponse> answer = new CompletableFuture<>();
            synchronized (this) {
                if (closed) {
                    answer.completeExceptionally(Status.CANCELLED.withDescription("the bench target is closed")
                            .asRuntimeException());
                    return answer;
                }
                if (stream == null || stream.ended) {
                    stream = new Stream();
                    stub.pipeline(stream);
                }
                Stream target = stream;
                target.pending.put(request.getId(), answer);
                try {
                    target.requests.onNext(request);
                } catch (RuntimeException e) {
                    target.ended = true; // cancelled under us: open a new stream for the next request
                    target.failAll(Status.UNAVAILABLE.withDescription("the pipeline stream ended").withCause(e)
                            .asRuntimeException());
                }
                if (target.ended) {
                    // it broke between our check and our send, perhaps after failing what it held
                    target.failAll(Status.UNAVAILABLE.withDescription("the pipeline stream ended").asRuntimeException());
                }
            }
            return answer;
        }

        synchronized void close() {
            if (stream != null && !stream.ended) {
                stream.requests.cancel("the bench is over", null);
            }
        }
    }

    /** One open Pipeline call and the requests waiting on it. */
    private static final class Stream implements ClientResponseObserver<PipelineRequest, PipelineResponse> {
        final Map<Long, CompletableFuture<PipelineResponse>> pending = new ConcurrentHashMap<>();
        volatile ClientCallStreamObserver<PipelineRequest> requests;
        volatile boolean ended;

        @Override
        public void beforeStart(ClientCallStreamObserver<PipelineRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(PipelineResponse response) {
            CompletableFuture<PipelineResponse> answer = pending.remove(response.getId());
            if (answer == null) {
                return; // not ours to answer any more (failed when the stream broke)
            }
            if (response.hasError()) {
                answer.completeExceptionally(KvPipeline.exception(response.getError()));
            } else {
                answer.complete(response);
            }
        }

        @Override
        public void onError(Throwable error) {
            ended = true;
            failAll(error);
        }

        @Override
        public void onCompleted() {
            ended = true;
            failAll(Status.UNAVAILABLE.withDescription("the node ended the pipeline stream").asRuntimeException());
        }

        void failAll(Throwable error) {
            for (Long id : List.copyOf(pending.keySet())) {
                CompletableFuture<PipelineResponse> answer = pending.remove(id);
                if (answer != null) {
                    answer.completeExceptionally(error);
                }
            }
        }
    }
}
