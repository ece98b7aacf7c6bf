package dev.raftkv.client;

import com.google.protobuf.MessageLite;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.ServerLimits;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import io.grpc.Deadline;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Decides, before an operation's first attempt, whether its request may be sent at all and
 * how: refused at once when the known {@link RequestLimits} rule it out; sent as usual when it
 * fits or is small; a large request while the limits are unknown first waits for one
 * {@code Status} call that learns them (shared by every request waiting at that time).
 *
 * <p>When no limits can be learned (a node too old to report them), a large request is sent as
 * a unary call, never on a {@code Kv.Pipeline} stream: a node refuses an over-long message by
 * resetting the stream it came on, which would fail every other request in flight there.
 *
 * <p>Thread-safe. Futures complete on gRPC or backoff threads.
 */
final class Admission {

    /** How the request may travel, or why it may not. */
    record Verdict(String refusal, boolean unaryOnly) {
        static final Verdict SEND = new Verdict(null, false);
    }

    private final RequestLimits limits;
    private final AtomicReference<CompletableFuture<Void>> learning = new AtomicReference<>();

    Admission(RequestLimits limits) {
        this.limits = limits;
    }

    /**
     * The verdict on {@code request}; completes at once unless the limits must be learned
     * first. Never fails: when the limits cannot be learned the request goes unary.
     *
     * @param statusCall makes one {@code Status} operation within the caller's deadline
     */
    CompletableFuture<Verdict> admit(String method, Object request,
            Function<Deadline, CompletableFuture<StatusResponse>> statusCall, Deadline deadline) {
        if (!(request instanceof MessageLite message)) {
            return CompletableFuture.completedFuture(Verdict.SEND);
        }
        ServerLimits known = limits.known();
        if (known != null) {
            return CompletableFuture.completedFuture(judge(method, message, known));
        }
        if (!limits.mustLearnFirst(message)) {
            return CompletableFuture.completedFuture(Verdict.SEND);
        }
        return learn(statusCall, deadline).handle((ignored, error) -> {
            ServerLimits learned = limits.known();
            return learned == null ? new Verdict(null, true) : judge(method, message, learned);
        });
    }

    private static Verdict judge(String method, MessageLite request, ServerLimits limits) {
        String refusal = RequestLimits.violation(method, request, limits);
        return refusal == null ? Verdict.SEND : new Verdict(refusal, false);
    }

    private CompletableFuture<Void> learn(Function<Deadline, CompletableFuture<StatusResponse>> statusCall,
            Deadline deadline) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = learning.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        statusCall.apply(deadline).whenComplete((status, error) -> {
            if (status != null) {
                limits.learn(status);
            }
            learning.set(null);
            mine.complete(null);
        });
        return mine;
    }

    /** The {@code Status} operation {@link #admit} uses: routed like any read. */
    static Function<Deadline, CompletableFuture<StatusResponse>> statusCall(Caller caller) {
        return deadline -> caller.call(false, null, deadline, KvGrpc.getStatusMethod(),
                StatusRequest::getDefaultInstance, StatusResponse::getHeader, Answers.read(response -> response));
    }
}
