package dev.raftkv.client;

import dev.raftkv.proto.AddRequest;
import dev.raftkv.proto.CompareAndSetRequest;
import dev.raftkv.proto.DeleteRequest;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.PipelineRequest;
import dev.raftkv.proto.PipelineResponse;
import dev.raftkv.proto.PutRequest;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client's {@code Kv.Pipeline} streams: {@value #LANES} per node address, opened on first
 * use and again after one breaks. A request sent here ends exactly as its unary call would (the
 * answer, or the same status and trailers), so {@link RetryLoop} treats both alike: a
 * broken stream fails each request in flight on it with the stream's status (a write among
 * them may have applied), and a request whose deadline passes fails with
 * {@code DEADLINE_EXCEEDED} (checked every {@value #SWEEP_MILLIS} ms, and by the node itself,
 * which gets the time left with the request). Thread-safe.
 */
final class Pipelines implements AutoCloseable {

    static final long SWEEP_MILLIS = 10;
    /**
     * Streams per node. gRPC hands one stream's messages to the application one at a time
     * (a thread hand-off each, on both sides), so a single stream became the bottleneck with
     * hundreds of requests in flight; requests are spread over this many.
     */
    static final int LANES = 4;

    private final NodeDirectory nodes;
    private final Map<LinkKey, Link> links = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final ScheduledFuture<?> sweeper;
    private volatile boolean closed;

    Pipelines(NodeDirectory nodes, ScheduledExecutorService timer) {
        this.nodes = nodes;
        this.sweeper = timer.scheduleWithFixedDelay(this::expire, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Whether {@code method} can travel on a pipeline stream: Get, Put, Delete, Add and CompareAndSet. */
    static boolean carries(MethodDescriptor<?, ?> method) {
        return method == KvGrpc.getGetMethod() || method == KvGrpc.getPutMethod() || method == KvGrpc.getDeleteMethod()
                || method == KvGrpc.getAddMethod() || method == KvGrpc.getCompareAndSetMethod();
    }

    /**
     * Sends {@code request} to the node at {@code address} and ends {@code answer} as a unary
     * call would: {@code onNext} + {@code onCompleted}, or {@code onError} with a
     * {@link io.grpc.StatusRuntimeException}.
     */
    <Q, R> void call(String address, Q request, Deadline deadline, StreamObserver<R> answer) {
        long timeoutMillis = deadline.timeRemaining(TimeUnit.MILLISECONDS);
        if (timeoutMillis <= 0) {
            answer.onError(Status.DEADLINE_EXCEEDED.withDescription("the deadline passed before the request was sent")
                    .asRuntimeException());
            return;
        }
        long id = ids.incrementAndGet();
        PipelineRequest.Builder message = PipelineRequest.newBuilder().setId(id).setTimeoutMs(timeoutMillis);
        if (request instanceof GetRequest get) {
            message.setGet(get);
        } else if (request instanceof PutRequest put) {
            message.setPut(put);
        } else if (request instanceof DeleteRequest delete) {
            message.setDelete(delete);
        } else if (request instanceof AddRequest add) {
            message.setAdd(add);
        } else if (request instanceof CompareAndSetRequest cas) {
            message.setCompareAndSet(cas);
        } else {
            throw new IllegalArgumentException("a " + request.getClass().getSimpleName() + " cannot be pipelined");
        }
        links.computeIfAbsent(new LinkKey(address, (int) (id % LANES)), key -> new Link(key.address()))
                .send(message.build(), new Pending<>(deadline, answer));
    }

    /** Fails the requests whose deadline passed; runs on the timer. */
    private void expire() {
        for (Link link : links.values()) {
            Stream stream = link.current();
            if (stream == null) {
                continue;
            }
            for (Map.Entry<Long, Pending<?>> entry : stream.pending.entrySet()) {
                Pending<?> pending = entry.getValue();
                if (pending.deadline.isExpired() && stream.pending.remove(entry.getKey(), pending)) {
                    pending.fail(Status.DEADLINE_EXCEEDED.withDescription("no answer from " + link.address
                            + " within the call's deadline").asRuntimeException());
                }
            }
        }
    }

    /** Ends every stream; requests in flight fail with {@code CANCELLED}. */
    @Override
    public void close() {
        closed = true;
        sweeper.cancel(false);
        for (Link link : links.values()) {
            link.close();
        }
    }

    private record LinkKey(String address, int lane) {
    }

    /** One request waiting for its answer. */
    private record Pending<R>(Deadline deadline, StreamObserver<R> answer) {

        @SuppressWarnings("unchecked")
        void complete(PipelineResponse response) {
            try {
                switch (response.getResponseCase()) {
                    case GET -> answer.onNext((R) response.getGet());
                    case WRITE -> answer.onNext((R) response.getWrite());
                    case ERROR -> {
                        answer.onError(KvPipeline.exception(response.getError()));
                        return;
                    }
                    case RESPONSE_NOT_SET -> {
                        answer.onError(Status.INTERNAL.withDescription("the node answered request "
                                + response.getId() + " with nothing").asRuntimeException());
                        return;
                    }
                }
            } catch (ClassCastException e) {
                answer.onError(Status.INTERNAL.withDescription("the node answered request " + response.getId()
                        + " with a " + response.getResponseCase() + " answer").asRuntimeException());
                return;
            }
            answer.onCompleted();
        }

        void fail(Throwable error) {
            answer.onError(error);
        }
    }

    /** One pipeline lane to an address: its current stream, replaced after it breaks. */
    private final class Link {
        private final String address;
        /** Guarded by this. */
        private Stream stream;

        Link(String address) {
            this.address = address;
        }

        synchronized Stream current() {
            return stream;
        }

        void send(PipelineRequest request, Pending<?> pending) {
            Stream target;
            synchronized (this) {
                if (closed) {
                    pending.fail(Status.CANCELLED.withDescription("the client is closed").asRuntimeException());
                    return;
                }
                if (stream == null || stream.ended) {
                    stream = new Stream(this);
                }
                target = stream;
                target.pending.put(request.getId(), pending);
                try {
                    target.requests.onNext(request);
                    // ended meanwhile, perhaps after failing what it held: fail this one too if it is still there
                    if (!target.ended || target.pending.remove(request.getId()) == null) {
                        return;
                    }
                } catch (RuntimeException e) {
                    // the call ended under us: answer below, outside the lock
                    target.pending.remove(request.getId());
                    stream = null;
                }
            }
            // keep why it ended (an unresolvable host, a refused connection): it is what the user needs to read
            Status why = target.endStatus;
            pending.fail(Status.UNAVAILABLE.withDescription("the pipeline stream to " + address + " ended"
                    + (why == null ? "" : ": " + why.getCode() + (why.getDescription() == null ? ""
                            : ": " + why.getDescription()))).asRuntimeException());
        }

        /** {@code broken} ended with {@code error}: it is no longer used, and what waits on it fails. */
        void ended(Stream broken, Throwable error) {
            broken.endStatus = Status.fromThrowable(error);
            broken.ended = true;
            synchronized (this) {
                if (stream == broken) {
                    stream = null;
                }
            }
            for (Long id : broken.pending.keySet()) {
                Pending<?> pending = broken.pending.remove(id);
                if (pending != null) {
                    pending.fail(error);
                }
            }
        }

        void close() {
            Stream open;
            synchronized (this) {
                open = stream;
                stream = null;
            }
            if (open != null) {
                open.requests.cancel("the client is closed", null);
                ended(open, Status.CANCELLED.withDescription("the client is closed").asRuntimeException());
            }
        }
    }

    /** One {@code Kv.Pipeline} call and the requests in flight on it. */
    private final class Stream implements ClientResponseObserver<PipelineRequest, PipelineResponse> {
        private final Link link;
        private final Map<Long, Pending<?>> pending = new ConcurrentHashMap<>();
        private final ClientCallStreamObserver<PipelineRequest> requests;
        private volatile boolean ended;
        /** The status the stream ended with, once it ended; written before {@link #ended}. */
        private volatile Status endStatus;

        Stream(Link link) {
            this.link = link;
            this.requests = (ClientCallStreamObserver<PipelineRequest>) KvGrpc.newStub(nodes.channel(link.address))
                    .pipeline(this);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<PipelineRequest> requestStream) {
            // gRPC buffers what is sent before the stream is ready; the caller's own concurrency bounds it
        }

        @Override
        public void onNext(PipelineResponse response) {
            Pending<?> waiting = pending.remove(response.getId());
            if (waiting != null) {
                waiting.complete(response);
            }
        }

        @Override
        public void onError(Throwable error) {
            link.ended(this, error);
        }

        @Override
        public void onCompleted() {
            link.ended(this, Status.UNAVAILABLE.withDescription("node " + link.address
                    + " ended the pipeline stream").asRuntimeException());
        }
    }
}
