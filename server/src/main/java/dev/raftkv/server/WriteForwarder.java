package dev.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandBatch;
import dev.raftkv.proto.CommandOutcome;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.OpenSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Passes the writes a follower receives to the leader, and decides what a failed forward
 * means for each: send it again (only when no copy can apply twice), or give the client
 * the failure — "outcome unknown" whenever the leader may have taken it.
 *
 * <p>A failure of the {@code Forward} call says nothing certain: UNAVAILABLE also ends a
 * call whose connection broke after the request left, when the old leader may already
 * have appended and replicated the entry. So a write is sent again only when the state
 * machine will recognise the copy — it carries the client's session, or this node's
 * {@link ForwardingSession}, which every session-less put, delete, add and
 * compare-and-set gets before its first forward — or when it provably never left this
 * node. Anything else that fails after it may have been sent ends ABORTED with
 * "outcome unknown".
 *
 * <p>Threading: {@link #forward} runs on the event loop; the calls' answers arrive on
 * gRPC threads and come back to the loop through {@link Loop#execute} for anything that
 * touches loop state.
 */
final class WriteForwarder {

    private static final Logger LOG = System.getLogger(WriteForwarder.class.getName());

    /** Writes a follower passes to the leader in one call at most. */
    static final int MAX_FORWARD_BATCH = 512;

    /** What the forwarder needs of the event loop. */
    interface Loop {
        /**
         * Runs {@code task} on the event loop; false if the loop has stopped and will not
         * run it. If the loop stops before running it, {@code write} is failed with an
         * unknown outcome instead.
         */
        boolean execute(PendingWrite write, Runnable task);

        /** Holds {@code write} until a leader is known (event loop only); it then comes back to {@link #forward}. */
        void park(PendingWrite write);

        /**
         * Sends the parked writes now, ahead of any newer ones, if a leader is known
         * (event loop only): the forwarding session they waited for is open.
         */
        void releaseParked();

        /** The leader this node knows of, or null (event loop only). */
        String leaderId();
    }

    private final String nodeId;
    private final ForwardCalls transport;
    private final NodeMetrics metrics;
    private final Loop loop;
    private final TimeSource time;
    private final ForwardingSession session = new ForwardingSession();

    /** @param time the monotonic clock for deadlines, and the wall clock for the commands it proposes itself */
    WriteForwarder(String nodeId, ForwardCalls transport, NodeMetrics metrics, TimeSource time, Loop loop) {
        this.time = time;
        this.nodeId = nodeId;
        this.transport = transport;
        this.metrics = metrics;
        this.loop = loop;
    }

    /**
     * Forwards {@code writes} (received in one loop round by a node that does not lead)
     * to the leader: one {@code Forward} call per {@value #MAX_FORWARD_BATCH} writes. A
     * write forwarded here by another node is refused (it is not forwarded twice); one
     * that needs the forwarding session while none is open, or that finds no leader,
     * is parked. Event loop only.
     */
    void forward(List<PendingWrite> writes) {
        String leader = loop.leaderId();
        List<PendingWrite> together = new ArrayList<>();
        for (PendingWrite w : writes) {
            if (w.forwarded) {
                w.future.completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                        "node " + nodeId + " received a forwarded write but is no longer the leader"), leader));
            } else if (leader == null || !readyToSend(w)) {
                loop.park(w);
            } else {
                together.add(w);
                if (together.size() == MAX_FORWARD_BATCH) {
                    send(leader, together);
                    together = new ArrayList<>();
                }
            }
        }
        if (!together.isEmpty()) {
            send(leader, together);
        }
    }

    /** Stamps a session-less write with the forwarding session before its first send; false while none is open. */
    private boolean readyToSend(PendingWrite w) {
        if (w.stampable && w.stamp == null) {
            if (!session.isOpen()) {
                openSession();
                return false;
            }
            ForwardingSession.Stamped stamped = session.stamp(w.command);
            w.command = stamped.command();
            w.stamp = stamped.stamp();
            ForwardingSession.Stamp stamp = stamped.stamp();
            w.future.whenComplete((applied, error) -> session.finished(stamp));
        }
        return true;
    }

    /** Proposes, through the leader, an OpenSession for this node's forwarding session, unless one is under way. */
    private void openSession() {
        if (!session.startOpening()) {
            return;
        }
        Command open = Command.newBuilder().setOpenSession(OpenSession.getDefaultInstance())
                .setTimestampMillis(time.currentTimeMillis()).build();
        CompletableFuture<Applied> opened = new CompletableFuture<>();
        PendingWrite w = new PendingWrite(open, open.toByteString(), time.nanoTime()
                + TimeUnit.SECONDS.toNanos(5), opened, false);
        opened.whenComplete((applied, error) -> loop.execute(w, () -> {
            if (error == null && applied.result().getSessionId() != 0) {
                session.opened(applied.result().getSessionId());
                loop.releaseParked();
                LOG.log(Level.DEBUG, () -> "node " + nodeId + ": forwarding session " + applied.result().getSessionId()
                        + " opened");
            } else {
                session.openFailed();
                LOG.log(Level.DEBUG, () -> "node " + nodeId + ": could not open a forwarding session ("
                        + (error != null ? error.getMessage() : applied.result().getMessage()) + "); will retry");
            }
        }));
        String leader = loop.leaderId();
        if (leader != null) {
            send(leader, List.of(w));
        } else {
            opened.completeExceptionally(new IllegalStateException("no leader"));
        }
    }

    private void send(String leader, List<PendingWrite> writes) {
        ForwardRequest request;
        long deadlineNanos = writes.get(0).deadlineNanos;
        List<ForwardingSession.Stamp> stamps = new ArrayList<>(writes.size());
        if (writes.size() == 1) {
            request = ForwardRequest.newBuilder().setCommand(writes.get(0).command).build();
        } else {
            CommandBatch.Builder commands = CommandBatch.newBuilder();
            for (PendingWrite w : writes) {
                commands.addCommands(w.command);
                // the call lasts as long as the latest deadline; the client gives up on earlier ones itself
                deadlineNanos = w.deadlineNanos - deadlineNanos > 0 ? w.deadlineNanos : deadlineNanos;
            }
            request = ForwardRequest.newBuilder().setCommands(commands).build();
        }
        for (PendingWrite w : writes) {
            w.sends++;
            stamps.add(w.stamp);
        }
        if (anySentBefore(writes)) {
            metrics.forwardsResent.increment();
        }
        metrics.forwardCalls.increment();
        metrics.forwardedWrites.add(writes.size());
        boolean batch = writes.size() > 1;
        transport.forward(leader, request, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - time.nanoTime()))
                .whenComplete((response, error) -> {
                    if (error != null) {
                        for (int i = 0; i < writes.size(); i++) {
                            failed(writes.get(i), error, leader);
                        }
                    } else if (!batch) {
                        applied(writes.get(0), stamps.get(0), response.getResult(), response.getIndex(), leader);
                    } else if (response.getOutcomesCount() != writes.size()) {
                        // The leader answered, but not in a way that says which write took effect.
                        for (PendingWrite w : writes) {
                            w.future.completeExceptionally(outcomeUnknown("leader " + leader + " answered "
                                    + response.getOutcomesCount() + " outcomes to " + writes.size()
                                    + " forwarded writes", leader));
                        }
                    } else {
                        for (int i = 0; i < writes.size(); i++) {
                            CommandOutcome outcome = response.getOutcomes(i);
                            if (outcome.hasError()) {
                                failed(writes.get(i), KvPipeline.exception(outcome.getError()), leader);
                            } else {
                                applied(writes.get(i), stamps.get(i), outcome.getResult(), outcome.getIndex(), leader);
                            }
                        }
                    }
                });
    }

    private static boolean anySentBefore(List<PendingWrite> writes) {
        for (PendingWrite w : writes) {
            if (w.sends > 1) {
                return true;
            }
        }
        return false;
    }

    /** The leader applied the write (gRPC thread). */
    private void applied(PendingWrite w, ForwardingSession.Stamp stamp, ByteString bytes, long index, String leader) {
        CommandResult result;
        try {
            result = CommandResult.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            w.future.completeExceptionally(outcomeUnknown("leader " + leader + " answered a result that does not"
                    + " parse: " + e.getMessage(), leader));
            return;
        }
        if (stamp != null && result.getCode() == CommandResult.Code.SESSION_EXPIRED) {
            // The forwarding session is gone: this copy was not executed. If it is the only
            // copy ever sent, the write did not take effect and goes again under a new session.
            loop.execute(w, () -> {
                session.expired(stamp.sessionId());
                if (!w.mayHaveBeenTaken && time.nanoTime() - w.deadlineNanos < 0) {
                    session.finished(stamp);
                    w.stamp = null;
                    w.command = unstamped(w.command);
                    w.sends = 0;
                    loop.park(w);
                } else {
                    w.future.completeExceptionally(outcomeUnknown("the forwarding session of node " + nodeId
                            + " expired while the write was being sent again", leader));
                }
            });
            return;
        }
        if (stamp != null && result.getCode() == CommandResult.Code.SEQUENCE_STALE) {
            w.future.completeExceptionally(outcomeUnknown("leader " + leader + " no longer holds the result of"
                    + " this write (" + result.getMessage() + ")", leader));
            return;
        }
        w.future.complete(new Applied(result, index));
    }

    /**
     * The forward failed (gRPC thread). Sent again, after waiting for a leader, when that
     * cannot apply it twice: the failure proves it never left, or the state machine
     * deduplicates it and the failure is one that the next leader may not repeat.
     */
    private void failed(PendingWrite w, Throwable error, String leader) {
        boolean neverSent = !(error instanceof StatusRuntimeException) || neverLeft(error);
        Status status = Status.fromThrowable(error);
        boolean transient_ = status.getCode() == Status.Code.UNAVAILABLE || status.getCode() == Status.Code.ABORTED;
        if (neverSent || (transient_ && w.deduplicated())) {
            boolean parked = loop.execute(w, () -> {
                w.mayHaveBeenTaken |= !neverSent;
                if (time.nanoTime() - w.deadlineNanos < 0) {
                    loop.park(w);
                } else {
                    w.future.completeExceptionally(w.mayHaveBeenTaken
                            ? outcomeUnknown("no leader answered before the deadline", leader)
                            : new RequestFailedException(Status.UNAVAILABLE.withDescription("forwarding to leader "
                                    + leader + " failed before the deadline: " + status.getDescription()), leader));
                }
            });
            if (!parked) {
                // the loop stopped; this thread may read the flag: the loop no longer writes it
                w.future.completeExceptionally(w.mayHaveBeenTaken || !neverSent
                        ? outcomeUnknown("node " + nodeId + " stopped while forwarding the write", leader)
                        : new RequestFailedException(Status.UNAVAILABLE.withDescription("node " + nodeId
                                + " stopped before the write reached a leader"), leader));
            }
        } else if (transient_) {
            w.future.completeExceptionally(outcomeUnknown("forwarding to leader " + leader + " failed after the"
                    + " write was sent (" + status.getCode() + ": " + status.getDescription() + ")", leader));
        } else {
            w.future.completeExceptionally(new RequestFailedException(status, leader));
        }
    }

    /** True when the failure shows the call never reached the network (no connection could be made). */
    private static boolean neverLeft(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof java.net.ConnectException || cause instanceof java.net.NoRouteToHostException
                    || cause instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static RequestFailedException outcomeUnknown(String why, String leader) {
        return new RequestFailedException(Status.ABORTED.withDescription("outcome unknown: " + why
                + "; the write may or may not have taken effect"), leader);
    }

    /** The command without the forwarding session's fields (they were appended last by {@link ForwardingSession}). */
    private static ByteString unstamped(ByteString stamped) {
        try {
            return Command.parseFrom(stamped).toBuilder().clearSessionId().clearSequence().clearAckedSequence()
                    .build().toByteString();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stamped command no longer parses", e);
        }
    }
}
