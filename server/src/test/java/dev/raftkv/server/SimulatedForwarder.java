package dev.raftkv.server;

import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The production {@link WriteForwarder} (with its {@link ForwardingSession}) for one
 * simulated node of the deterministic simulator: the simulator supplies the
 * {@code Forward} call and the node's loop; this class holds the writes waiting for a
 * leader as {@link RaftServer} does. Everything runs on the simulator's one thread.
 */
public final class SimulatedForwarder {

    /** The {@code Forward} call as the simulator carries it; same contract as {@link ForwardCalls}. */
    public interface Calls {
        CompletableFuture<ForwardResponse> forward(String nodeId, ForwardRequest request, long timeoutMillis);
    }

    /** The simulated node's loop. */
    public interface Node {
        /** Runs {@code task} later on the node; false when the node is down (the task will not run). */
        boolean execute(Runnable task);

        String leaderId();

        long nowMillis();
    }

    /** Where a write's final answer goes. */
    public interface Answer {
        void applied(CommandResult result);

        /** The write failed with {@code code}; {@code outcomeUnknown} when it may have taken effect. */
        void failed(Status.Code code, String description, boolean outcomeUnknown);
    }

    private final WriteForwarder forwarder;
    private final Node node;
    private final boolean withoutDeduplication;
    private final List<PendingWrite> parked = new ArrayList<>();

    /**
     * @param withoutDeduplication a mutation for the simulator's own test: writes are not
     *     put under the forwarding session yet are treated as deduplicated, so a broken
     *     call makes the forwarder send them again (the bug this class guards against)
     */
    public SimulatedForwarder(String nodeId, Calls calls, Node node, boolean withoutDeduplication) {
        this.node = node;
        this.withoutDeduplication = withoutDeduplication;
        TimeSource clock = new TimeSource() {
            @Override
            public long nanoTime() {
                return TimeUnit.MILLISECONDS.toNanos(node.nowMillis());
            }

            @Override
            public long currentTimeMillis() {
                return node.nowMillis();
            }
        };
        this.forwarder = new WriteForwarder(nodeId, calls::forward, new NodeMetrics(), clock, new WriteForwarder.Loop() {
            @Override
            public boolean execute(PendingWrite write, Runnable task) {
                return node.execute(task);
            }

            @Override
            public void park(PendingWrite write) {
                parked.add(write);
            }

            @Override
            public void releaseParked() {
                retryParked();
            }

            @Override
            public String leaderId() {
                return node.leaderId();
            }
        });
    }

    /** Forwards a client's write to the leader (or parks it until one is known). */
    public void forward(Command command, long deadlineMillis, Answer answer) {
        CompletableFuture<Applied> future = new CompletableFuture<>();
        PendingWrite write = new PendingWrite(command, command.toByteString(),
                TimeUnit.MILLISECONDS.toNanos(deadlineMillis), future, false);
        if (withoutDeduplication && write.stampable) {
            write.stampable = false;
            write.clientSession = true;
        }
        future.whenComplete((applied, error) -> {
            if (error == null) {
                answer.applied(applied.result());
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            Status status = cause instanceof RequestFailedException failed ? failed.status()
                    : Status.fromThrowable(cause);
            answer.failed(status.getCode(), status.getDescription(), status.getCode() != Status.Code.UNAVAILABLE
                    && status.getCode() != Status.Code.INVALID_ARGUMENT);
        });
        forwarder.forward(List.of(write));
    }

    /**
     * Sends the parked writes again when a leader is known, and fails those whose
     * deadline passed ("outcome unknown" if they were sent before), as the production
     * event loop does every few ticks.
     */
    public void retryParked() {
        if (parked.isEmpty()) {
            return;
        }
        long now = TimeUnit.MILLISECONDS.toNanos(node.nowMillis());
        List<PendingWrite> ready = new ArrayList<>();
        for (Iterator<PendingWrite> it = parked.iterator(); it.hasNext();) {
            PendingWrite w = it.next();
            if (w.deadlineNanos - now < 0) {
                it.remove();
                w.future.completeExceptionally(new RequestFailedException(w.mayHaveBeenTaken
                        ? Status.ABORTED.withDescription("outcome unknown: no leader answered before the deadline")
                        : Status.UNAVAILABLE.withDescription("no leader before the deadline"), null));
            } else if (node.leaderId() != null) {
                it.remove();
                ready.add(w);
            }
        }
        if (!ready.isEmpty()) {
            forwarder.forward(ready);
        }
    }
}
