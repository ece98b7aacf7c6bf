package dev.raftkv.client;

import dev.raftkv.proto.ResponseHeader;
import dev.raftkv.proto.Trailers;
import io.grpc.CallOptions;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One operation's attempts: send, and on a retryable answer go elsewhere or wait and send
 * again, until an answer is final or the operation deadline passes.
 *
 * <p>Retryable answers: {@code UNAVAILABLE} (no leader, a refused connection, a node
 * shutting down), {@code RESOURCE_EXHAUSTED} (a full proposal queue) and
 * {@code DEADLINE_EXCEEDED} (this attempt's call deadline). gRPC's own RESOURCE_EXHAUSTED for
 * an over-long message is final ({@link RequestLimits#isMessageTooLarge}): the same bytes
 * would be refused again. Every attempt of a write sends
 * the same session id and sequence, so the write applies at most once. When an answer's
 * trailers name the leader, the next attempt goes there at once (at most once per known
 * node in a row, so two nodes that name each other cannot spin); otherwise it waits a
 * {@link Backoff} delay and tries another node. A node removed from the cluster answers
 * FAILED_PRECONDITION naming the members ({@code raftkv-members}): the next attempt goes to
 * one of them at once, and the removed node is not asked again. Each call's deadline is the earlier of
 * {@link ClientOptions#callTimeout()} from now and the operation deadline.
 *
 * <p>Not reused: one instance per operation. Callbacks run on gRPC threads or the backoff
 * thread, one at a time (each attempt starts after the previous one ended).
 */
final class RetryLoop<Q, R, T> {

    private final Caller caller;
    private final boolean write;
    private final String pinnedAddress;
    private final Deadline operationDeadline;
    private final MethodDescriptor<Q, R> method;
    private final Supplier<Q> request;
    private final Function<R, ResponseHeader> header;
    private final AnswerHandler<R, T> handler;
    private final boolean unaryOnly;
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private int attempts;
    private int retries;
    private int immediateRedirects;
    private boolean maybeApplied;
    private String lastAddress;
    private String redirect;
    private Status lastStatus = Status.UNAVAILABLE.withDescription("no attempt was made");
    private Throwable lastError;

    RetryLoop(Caller caller, boolean write, String pinnedAddress, Deadline operationDeadline,
            MethodDescriptor<Q, R> method, Supplier<Q> request, Function<R, ResponseHeader> header,
            AnswerHandler<R, T> handler, boolean unaryOnly) {
        this.caller = caller;
        this.write = write;
        this.pinnedAddress = pinnedAddress;
        this.operationDeadline = operationDeadline;
        this.method = method;
        this.request = request;
        this.header = header;
        this.handler = handler;
        this.unaryOnly = unaryOnly;
    }

    CompletableFuture<T> start() {
        attempt();
        return result;
    }

    private void attempt() {
        if (result.isDone()) {
            return; // cancelled by the caller
        }
        if (caller.isClosed()) {
            result.completeExceptionally(new RaftKvException("the client is closed", Status.Code.CANCELLED, lastError));
            return;
        }
        if (operationDeadline.isExpired()) {
            result.completeExceptionally(exhausted());
            return;
        }
        String address = pinnedAddress != null
                ? pinnedAddress
                : caller.nodes().target(caller.options().routing(), redirect, lastAddress);
        redirect = null;
        lastAddress = address;
        attempts++;
        Attempt attempt = new Attempt(attempts, address, maybeApplied);
        Deadline callDeadline = Deadline.after(caller.options().callTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .minimum(operationDeadline);
        Q message;
        try {
            message = request.get();
            Pipelines pipelines = caller.pipelines();
            if (pipelines != null && !unaryOnly && Pipelines.carries(method)) {
                pipelines.call(address, message, callDeadline, new Answer(attempt));
            } else {
                ClientCalls.asyncUnaryCall(
                        caller.nodes().channel(address).newCall(method, CallOptions.DEFAULT.withDeadline(callDeadline)),
                        message,
                        new Answer(attempt));
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(new RaftKvException("could not send " + method.getBareMethodName()
                    + " to " + address + ": " + e.getMessage(), e));
        }
    }

    private final class Answer implements StreamObserver<R> {
        private final Attempt attempt;
        private R response;

        Answer(Attempt attempt) {
            this.attempt = attempt;
        }

        @Override
        public void onNext(R value) {
            response = value;
        }

        @Override
        public void onCompleted() {
            caller.nodes().observe(attempt.address(), header.apply(response));
            try {
                result.complete(handler.onResponse(response, attempt));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            onFailure(attempt, t);
        }
    }

    private void onFailure(Attempt attempt, Throwable error) {
        Status status = Status.fromThrowable(error);
        Metadata trailers = Status.trailersFromThrowable(error);
        if (RequestLimits.isMessageTooLarge(status)) {
            result.completeExceptionally(tooLarge(attempt, status, error));
            return;
        }
        if (wentElsewhereFromRemoved(attempt, status, trailers, error)) {
            return;
        }
        if (!isRetryable(status.getCode())) {
            StatusRuntimeException exception = error instanceof StatusRuntimeException sre
                    ? sre : status.asRuntimeException(trailers);
            result.completeExceptionally(handler.onError(exception, attempt));
            return;
        }
        lastStatus = status;
        lastError = error;
        // A full proposal queue refused the write, and a refused connection never carried it;
        // any other retryable failure may have come after the leader appended it.
        if (write && status.getCode() != Status.Code.RESOURCE_EXHAUSTED && !neverSent(error)) {
            maybeApplied = true;
        }
        String leaderAddress = trailers == null ? null : trailers.get(Trailers.LEADER_ADDRESS);
        String leaderId = trailers == null ? null : trailers.get(Trailers.LEADER_ID);
        if (leaderAddress != null && !leaderAddress.isEmpty()) {
            caller.nodes().observeRedirect(leaderId, leaderAddress);
        } else if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
            caller.nodes().observeFailure(attempt.address());
        }
        long delayNanos;
        boolean redirected = leaderAddress != null && !leaderAddress.isEmpty() && !leaderAddress.equals(attempt.address());
        if (redirected && pinnedAddress == null
                && immediateRedirects < caller.nodes().addresses().size()) {
            immediateRedirects++;
            redirect = leaderAddress;
            delayNanos = 0;
        } else {
            immediateRedirects = 0;
            retries++;
            delayNanos = caller.backoff().delayNanos(retries);
        }
        if (delayNanos >= operationDeadline.timeRemaining(TimeUnit.NANOSECONDS)) {
            result.completeExceptionally(exhausted());
            return;
        }
        if (delayNanos == 0) {
            attempt();
            return;
        }
        try {
            caller.scheduler().schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new RaftKvException("the client is closed", Status.Code.CANCELLED, error));
        }
    }

    /**
     * A node removed from the cluster refused the request before it reached the log
     * (FAILED_PRECONDITION with the members trailer): the client forgets that node and sends
     * the request at once to a member it named, instead of failing the operation. Not when
     * the operation is pinned to that node, nor more often in a row than there are nodes
     * known (every one may say it was removed).
     *
     * @return whether a new attempt was started
     */
    private boolean wentElsewhereFromRemoved(Attempt attempt, Status status, Metadata trailers, Throwable error) {
        String members = trailers == null ? null : trailers.get(Trailers.MEMBERS);
        if (status.getCode() != Status.Code.FAILED_PRECONDITION || members == null || pinnedAddress != null
                || immediateRedirects >= caller.nodes().addresses().size()) {
            return false;
        }
        String elsewhere = caller.nodes().observeRemoved(attempt.address(), members);
        if (elsewhere == null) {
            return false;
        }
        // nothing reached the log on that node: this attempt does not make a write's outcome unknown
        lastStatus = status;
        lastError = error;
        immediateRedirects++;
        redirect = elsewhere;
        attempt();
        return true;
    }

    static boolean isRetryable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE
                || code == Status.Code.RESOURCE_EXHAUSTED
                || code == Status.Code.DEADLINE_EXCEEDED
                // the leader lost leadership after proposing: the same session and sequence apply once
                || code == Status.Code.ABORTED;
    }

    /** True when the failure shows the request never left this client (no connection was made). */
    static boolean neverSent(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException
                    || cause instanceof NoRouteToHostException
                    || cause instanceof UnknownHostException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /**
     * gRPC refused a message as too long: this request (the node did not read it, so this
     * attempt applied nothing) or its answer (this client's limit; only a scan's can be that
     * large). The same bytes would be refused again, so it is final.
     */
    private RaftKvException tooLarge(Attempt attempt, Status status, Throwable error) {
        String what = method.getBareMethodName() + " to " + attempt.address() + " failed: " + status.getDescription()
                + "; no retry can succeed (keys are limited by raftkv.kv.max-key-bytes, values by"
                + " raftkv.kv.max-value-bytes)";
        if (write && maybeApplied) {
            return new OutcomeUnknownException(what + "; an earlier attempt may have applied it", status.getCode(), error);
        }
        return new InvalidArgumentException(what + (write ? "; it was not applied" : ""), error);
    }

    private RaftKvException exhausted() {
        String what = method.getBareMethodName() + " got no final answer within the operation timeout ("
                + caller.options().operationTimeout().toMillis() + " ms) after " + attempts + " attempt(s); last error: "
                + lastStatus.getCode() + (lastStatus.getDescription() == null ? "" : ": " + lastStatus.getDescription());
        if (write && maybeApplied) {
            return new OutcomeUnknownException(what, lastStatus.getCode(), lastError);
        }
        return new UnavailableException(what, lastStatus.getCode(), lastError);
    }
}
