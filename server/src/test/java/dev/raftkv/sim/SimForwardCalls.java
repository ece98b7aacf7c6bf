package dev.raftkv.sim;

import dev.raftkv.proto.CommandOutcome;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.server.Applied;
import io.grpc.Status;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code Forward} calls between simulated nodes, with gRPC's failure modes over the
 * simulated network: a request or answer lost in the network leaves the call to its
 * deadline (DEADLINE_EXCEEDED); a node that crashes or is cut off while serving a call
 * breaks it (UNAVAILABLE, like "Network closed for unknown reason" — the request may have
 * been taken); a call to a node that is down fails at once as never sent. The network may
 * deliver a request twice; a call, like a TCP stream, is served at most once.
 */
final class SimForwardCalls {

    /** How long after a break the caller learns of it. */
    private static final long BREAK_NOTICE_MILLIS = 30;

    private record Call(long id, String caller, int callerIncarnation, String callee,
                        CompletableFuture<ForwardResponse> future) {
    }

    private final Cluster cluster;
    private final Map<Long, Call> open = new LinkedHashMap<>();
    private final Set<Long> served = new HashSet<>();
    private long nextId = 1;

    SimForwardCalls(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Node {@code caller} calls {@code callee}; the answer arrives on the simulator's thread. */
    CompletableFuture<ForwardResponse> call(String caller, String callee, ForwardRequest request, long timeoutMillis) {
        CompletableFuture<ForwardResponse> future = new CompletableFuture<>();
        SimNode target = cluster.node(callee);
        if (target == null || !target.isUp()) {
            future.completeExceptionally(Status.UNAVAILABLE.withDescription("connection refused")
                    .withCause(new ConnectException("connection refused")).asRuntimeException());
            return future;
        }
        Call call = new Call(nextId++, caller, cluster.node(caller).incarnation(), callee, future);
        open.put(call.id(), call);
        cluster.queue().after(Math.max(1, timeoutMillis), () -> fail(call.id(),
                Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after " + timeoutMillis + " ms")));
        cluster.network().send(caller, callee, request, r -> {
            if (open.containsKey(call.id()) && served.add(call.id())) {
                cluster.node(callee).receiveForward(call.id(), caller, r);
            }
        });
        return future;
    }

    /** The callee's answer travels back; if the link is cut meanwhile the call breaks instead. */
    void answer(long callId, ForwardResponse response) {
        Call call = open.get(callId);
        if (call == null) {
            return;
        }
        if (cluster.network().isCut(call.callee(), call.caller())) {
            breakLater(call);
            return;
        }
        cluster.network().send(call.callee(), call.caller(), response, r -> {
            if (open.remove(callId) != null) {
                call.future().complete(r);
            }
        });
    }

    /** The callee answers with a failure status. */
    void answerFailure(long callId, Status status) {
        Call call = open.get(callId);
        if (call == null) {
            return;
        }
        cluster.network().send(call.callee(), call.caller(), status, s -> fail(callId, s));
    }

    /** {@code node} crashed: calls it served break; calls it made are gone with it. */
    void onCrash(String node) {
        List<Call> calls = new ArrayList<>(open.values());
        for (Call call : calls) {
            if (call.caller().equals(node)) {
                open.remove(call.id());
            } else if (call.callee().equals(node)) {
                breakLater(call);
            }
        }
    }

    private void breakLater(Call call) {
        cluster.queue().after(BREAK_NOTICE_MILLIS, () -> fail(call.id(),
                Status.UNAVAILABLE.withDescription("Network closed for unknown reason")));
    }

    private void fail(long callId, Status status) {
        Call call = open.remove(callId);
        if (call != null && cluster.node(call.caller()).incarnation() == call.callerIncarnation()) {
            call.future().completeExceptionally(status.asRuntimeException());
        }
    }

    /** Writes another node forwarded in one call: answered together once each has its outcome. */
    static final class Batch {
        private final long callId;
        private final CommandOutcome[] outcomes;
        private int missing;

        /** @param callId below 0 for a single write's call (answered at once, as the production leader does) */
        Batch(long callId, int writes) {
            this.callId = callId;
            this.outcomes = new CommandOutcome[writes];
            this.missing = writes;
        }
    }

    /**
     * The write at {@code position} of {@code batch} has its outcome: {@code applied} when
     * applied, else {@code failure}. A batch is answered once every write has one.
     */
    void answer(Batch batch, int position, Applied applied, Status failure) {
        if (batch.callId < 0) {
            if (applied != null) {
                answer(-batch.callId, ForwardResponse.newBuilder().setResult(applied.result().toByteString())
                        .setIndex(applied.index()).build());
            } else {
                answerFailure(-batch.callId, failure);
            }
            return;
        }
        batch.outcomes[position] = applied != null
                ? CommandOutcome.newBuilder().setResult(applied.result().toByteString()).setIndex(applied.index())
                        .build()
                : CommandOutcome.newBuilder().setError(KvPipeline.error(failure.asRuntimeException())).build();
        if (--batch.missing == 0) {
            answer(batch.callId, ForwardResponse.newBuilder().addAllOutcomes(java.util.Arrays.asList(batch.outcomes))
                    .build());
        }
    }
}
