package dev.raftkv.client;

import dev.raftkv.proto.ResponseHeader;
import dev.raftkv.proto.StatusResponse;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs operations as {@link RetryLoop}s over the shared node directory, options, backoff and
 * one scheduler thread that only waits out backoff delays (and checks pipelined requests'
 * deadlines), each after its request passed the size {@link Admission}. Thread-safe.
 */
final class Caller implements AutoCloseable {

    private final NodeDirectory nodes;
    private final ClientOptions options;
    private final Backoff backoff;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Pipelines pipelines;
    private final Admission admission;
    private final Function<Deadline, CompletableFuture<StatusResponse>> statusCall;
    private volatile boolean closed;

    Caller(NodeDirectory nodes, ClientOptions options) {
        this.nodes = nodes;
        this.options = options;
        this.backoff = new Backoff(options.initialBackoff(), options.maxBackoff(), options.random());
        this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "raftkv-client-backoff");
            thread.setDaemon(true);
            return thread;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.pipelines = options.pipelining() ? new Pipelines(nodes, scheduler) : null;
        this.admission = new Admission(nodes.limits());
        this.statusCall = Admission.statusCall(this);
    }

    /** A deadline {@link ClientOptions#operationTimeout()} from now. */
    Deadline newOperationDeadline() {
        return Deadline.after(options.operationTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Runs one operation to its end: after {@link Admission} let its request through (a request
     * the known size limits rule out fails at once with {@link InvalidArgumentException}).
     *
     * @param write whether it is a write, whose retries must keep its write header
     * @param pinnedAddress the only node to ask, or null to route by {@link ClientOptions#routing()}
     * @param request builds the request of each attempt (a write's acked sequence may have risen)
     */
    <Q, R, T> CompletableFuture<T> call(
            boolean write,
            String pinnedAddress,
            Deadline operationDeadline,
            MethodDescriptor<Q, R> method,
            Supplier<Q> request,
            Function<R, ResponseHeader> header,
            AnswerHandler<R, T> handler) {
        Q first;
        try {
            first = request.get();
        } catch (RuntimeException e) {
            first = null; // the loop's first attempt builds it again and reports the failure
        }
        CompletableFuture<Admission.Verdict> verdict = admission.admit(method.getBareMethodName(), first,
                statusCall, operationDeadline);
        if (verdict.isDone()) {
            return run(verdict.join(), write, pinnedAddress, operationDeadline, method, request, header, handler);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        verdict.thenAccept(admitted -> {
            CompletableFuture<T> running = run(admitted, write, pinnedAddress, operationDeadline, method, request,
                    header, handler);
            result.whenComplete((value, error) -> running.cancel(false)); // the caller gave up: stop retrying
            running.whenComplete((value, error) -> {
                if (error == null) {
                    result.complete(value);
                } else {
                    result.completeExceptionally(Futures.unwrap(error));
                }
            });
        });
        return result;
    }

    private <Q, R, T> CompletableFuture<T> run(Admission.Verdict verdict, boolean write, String pinnedAddress,
            Deadline operationDeadline, MethodDescriptor<Q, R> method, Supplier<Q> request,
            Function<R, ResponseHeader> header, AnswerHandler<R, T> handler) {
        if (verdict.refusal() != null) {
            return CompletableFuture.failedFuture(new InvalidArgumentException(verdict.refusal(), null));
        }
        return new RetryLoop<>(this, write, pinnedAddress, operationDeadline, method, request, header, handler,
                verdict.unaryOnly()).start();
    }

    NodeDirectory nodes() {
        return nodes;
    }

    ClientOptions options() {
        return options;
    }

    Backoff backoff() {
        return backoff;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The pipeline streams, or null when the options ask for unary calls. */
    Pipelines pipelines() {
        return pipelines;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        if (pipelines != null) {
            pipelines.close();
        }
        scheduler.shutdownNow();
    }
}
