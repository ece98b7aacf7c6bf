package dev.raftkv.client;

import dev.raftkv.proto.ResponseHeader;
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
 * deadlines). Thread-safe.
 */
final class Caller implements AutoCloseable {

    private final NodeDirectory nodes;
    private final ClientOptions options;
    private final Backoff backoff;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Pipelines pipelines;
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
    }

    /** A deadline {@link ClientOptions#operationTimeout()} from now. */
    Deadline newOperationDeadline() {
        return Deadline.after(options.operationTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Runs one operation to its end.
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
        return new RetryLoop<>(this, write, pinnedAddress, operationDeadline, method, request, header, handler).start();
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
