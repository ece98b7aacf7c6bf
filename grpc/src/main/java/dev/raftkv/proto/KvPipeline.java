package dev.raftkv.proto;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * {@code Kv.Pipeline} in terms of a {@code Kv} service's unary methods, and the mapping of a
 * failed request to and from {@link RequestError}. A pipelined request runs through the very
 * handler its unary call would, with its deadline in the current {@link Context}, so checks,
 * forwarding and errors are the same; only the per-call cost (a new HTTP/2 stream, headers,
 * trailers) is saved.
 */
public final class KvPipeline {

    private KvPipeline() {
    }

    /**
     * Serves one pipeline stream: each request goes to {@code service}'s unary method for it and
     * its answer back on {@code responses} under the request's id, in the order answers come.
     *
     * @param deadlines runs the timers of the requests' deadlines
     */
    public static StreamObserver<PipelineRequest> serve(KvGrpc.KvImplBase service,
                                                        StreamObserver<PipelineResponse> responses,
                                                        ScheduledExecutorService deadlines) {
        return new Served(service, responses, deadlines);
    }

    /** What a failed request sends back: the status and the raftkv trailers of {@code error}. */
    public static RequestError error(Throwable error) {
        Status status = Status.fromThrowable(error);
        RequestError.Builder answer = RequestError.newBuilder().setCode(status.getCode().value());
        if (status.getDescription() != null) {
            answer.setDescription(status.getDescription());
        }
        Metadata trailers = Status.trailersFromThrowable(error);
        if (trailers != null) {
            String leaderId = trailers.get(Trailers.LEADER_ID);
            String leaderAddress = trailers.get(Trailers.LEADER_ADDRESS);
            CommandResult result = trailers.get(Trailers.RESULT);
            String members = trailers.get(Trailers.MEMBERS);
            if (members != null) {
                answer.setMembers(members);
            }
            if (leaderId != null) {
                answer.setLeaderId(leaderId);
            }
            if (leaderAddress != null) {
                answer.setLeaderAddress(leaderAddress);
            }
            if (result != null) {
                answer.setResult(result);
            }
        }
        return answer.build();
    }

    /** The exception a unary call would have ended with: the status, with the trailers it carried. */
    public static StatusRuntimeException exception(RequestError error) {
        Metadata trailers = new Metadata();
        if (!error.getLeaderId().isEmpty()) {
            trailers.put(Trailers.LEADER_ID, error.getLeaderId());
        }
        if (!error.getLeaderAddress().isEmpty()) {
            trailers.put(Trailers.LEADER_ADDRESS, error.getLeaderAddress());
        }
        if (error.hasResult()) {
            trailers.put(Trailers.RESULT, error.getResult());
        }
        if (!error.getMembers().isEmpty()) {
            trailers.put(Trailers.MEMBERS, error.getMembers());
        }
        Status status = Status.fromCodeValue(error.getCode());
        if (!error.getDescription().isEmpty()) {
            status = status.withDescription(error.getDescription());
        }
        return status.asRuntimeException(trailers);
    }

    /** One stream being served. Answers come from any thread; sending them is serialised here. */
    private static final class Served implements StreamObserver<PipelineRequest> {
        private final KvGrpc.KvImplBase service;
        private final StreamObserver<PipelineResponse> responses;
        private final ScheduledExecutorService deadlines;
        private final AtomicInteger inFlight = new AtomicInteger();
        /** Guarded by this. */
        private boolean halfClosed;
        /** Guarded by this: the stream ended (completed, failed or cancelled); answers are dropped. */
        private boolean closed;

        Served(KvGrpc.KvImplBase service, StreamObserver<PipelineResponse> responses,
               ScheduledExecutorService deadlines) {
            this.service = service;
            this.responses = responses;
            this.deadlines = deadlines;
            if (responses instanceof ServerCallStreamObserver<PipelineResponse> call) {
                call.setOnCancelHandler(this::cancelled);
            }
        }

        @Override
        public void onNext(PipelineRequest request) {
            inFlight.incrementAndGet();
            Context.CancellableContext context = request.getTimeoutMs() > 0
                    ? Context.current().withDeadlineAfter(request.getTimeoutMs(), TimeUnit.MILLISECONDS, deadlines)
                    : null;
            long id = request.getId();
            Runnable call = switch (request.getRequestCase()) {
                case GET -> () -> service.get(request.getGet(), readAnswer(id, context));
                case PUT -> () -> service.put(request.getPut(), writeAnswer(id, context));
                case DELETE -> () -> service.delete(request.getDelete(), writeAnswer(id, context));
                case ADD -> () -> service.add(request.getAdd(), writeAnswer(id, context));
                case COMPARE_AND_SET -> () -> service.compareAndSet(request.getCompareAndSet(),
                        writeAnswer(id, context));
                case REQUEST_NOT_SET -> () -> writeAnswer(id, context).onError(Status.INVALID_ARGUMENT.withDescription("pipeline request " + id
                                + " holds no request: set one of get, put, delete, add, compare_and_set")
                                .asRuntimeException());
            };
            try {
                if (context == null) {
                    call.run();
                } else {
                    context.run(call);
                }
            } catch (RuntimeException e) {
                writeAnswer(id, context).onError(Status.INTERNAL.withDescription("request " + id + " failed: " + e)
                        .asRuntimeException());
            }
        }

        private Answer<GetResponse> readAnswer(long id, Context.CancellableContext context) {
            return new Answer<>(id, context, (response, value) -> response.setGet(value));
        }

        private Answer<WriteResponse> writeAnswer(long id, Context.CancellableContext context) {
            return new Answer<>(id, context, (response, value) -> response.setWrite(value));
        }

        @Override
        public void onError(Throwable t) {
            cancelled();
        }

        @Override
        public synchronized void onCompleted() {
            halfClosed = true;
            completeIfDone();
        }

        private synchronized void cancelled() {
            closed = true;
        }

        private synchronized void send(PipelineResponse response) {
            if (closed) {
                return;
            }
            try {
                responses.onNext(response);
            } catch (RuntimeException e) {
                // cancelled by the client meanwhile: nobody waits for answers any more
                closed = true;
            }
        }

        private void finished() {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (this) {
                    completeIfDone();
                }
            }
        }

        private void completeIfDone() {
            if (halfClosed && !closed && inFlight.get() == 0) {
                closed = true;
                try {
                    responses.onCompleted();
                } catch (RuntimeException e) {
                    // cancelled meanwhile
                }
            }
        }

        /** Collects one unary answer and sends it as a pipeline response. */
        private final class Answer<T> implements StreamObserver<T> {
            private final long id;
            private final Context.CancellableContext context;
            private final BiConsumer<PipelineResponse.Builder, T> set;
            private T value;
            private boolean done;

            Answer(long id, Context.CancellableContext context, BiConsumer<PipelineResponse.Builder, T> set) {
                this.id = id;
                this.context = context;
                this.set = set;
            }

            @Override
            public void onNext(T value) {
                this.value = value;
            }

            @Override
            public void onError(Throwable t) {
                end(PipelineResponse.newBuilder().setId(id).setError(error(t)).build());
            }

            @Override
            public void onCompleted() {
                if (value == null) {
                    onError(Status.INTERNAL.withDescription("request " + id + " completed without an answer")
                            .asRuntimeException());
                    return;
                }
                PipelineResponse.Builder response = PipelineResponse.newBuilder().setId(id);
                set.accept(response, value);
                end(response.build());
            }

            private void end(PipelineResponse response) {
                synchronized (this) {
                    if (done) {
                        return;
                    }
                    done = true;
                }
                if (context != null) {
                    context.cancel(null);
                }
                send(response);
                finished();
            }
        }
    }
}
