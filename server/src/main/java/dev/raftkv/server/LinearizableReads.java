package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.raft.NotLeaderException;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Role;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Linearizable reads waiting on this node (ReadIndex, thesis §6.4): those waiting for a
 * leader to be known, and those the core is confirming; a confirmed read runs on the
 * apply thread once the state machine reaches its read index.
 *
 * <p>Owned by the event loop: not thread-safe.
 */
final class LinearizableReads {

    /** A read a client asked for, until its deadline. */
    record Read(long deadlineNanos, Function<KvStateMachine, ?> read, CompletableFuture<Object> future) {
    }

    private final RaftNode core;
    private final AppliedReads applied;
    private final List<Read> waitingForLeader = new ArrayList<>();
    private final Map<Long, Read> confirming = new HashMap<>();
    private long nextRequestId = 1;

    /**
     * @param applied where a confirmed read runs once its index is applied (production: the {@link Applier})
     */
    LinearizableReads(RaftNode core, AppliedReads applied) {
        this.core = core;
        this.applied = applied;
    }

    /** Asks the core to confirm {@code read}'s index, or holds it until a leader is known. */
    void submit(Read read) {
        if (core.role() != Role.LEADER && core.leaderId() == null) {
            waitingForLeader.add(read);
            return;
        }
        long id = nextRequestId++;
        try {
            core.readIndex(id);
            confirming.put(id, read);
        } catch (NotLeaderException e) {
            waitingForLeader.add(read);
        }
    }

    /** The core confirmed a read index: the read runs once the state machine has applied it. */
    void confirmed(ReadState state) {
        Read read = confirming.remove(state.requestId());
        if (read != null) {
            applied.readAt(state.index(), read.read()).whenComplete((value, error) -> {
                if (error == null) {
                    read.future().complete(value);
                } else {
                    read.future().completeExceptionally(error);
                }
            });
        }
    }

    /** The role or leader changed: reads waiting for a former leader's confirmation will never get it; ask again. */
    void retryAll() {
        List<Read> retry = new ArrayList<>(confirming.values());
        confirming.clear();
        retry.addAll(waitingForLeader);
        waitingForLeader.clear();
        retry.forEach(this::submit);
    }

    /** Fails the reads whose deadline passed; {@code hint} says which leader was last known. */
    void expire(long nowNanos, String hint, String lastKnownLeader) {
        for (Iterator<Read> it = waitingForLeader.iterator(); it.hasNext();) {
            Read r = it.next();
            if (r.deadlineNanos() - nowNanos < 0) {
                it.remove();
                r.future().completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                        "no leader elected before the deadline (" + hint + ")"), lastKnownLeader));
            }
        }
        for (Iterator<Read> it = confirming.values().iterator(); it.hasNext();) {
            Read r = it.next();
            if (r.deadlineNanos() - nowNanos < 0) {
                it.remove();
                r.future().completeExceptionally(new RequestFailedException(Status.DEADLINE_EXCEEDED.withDescription(
                        "leadership was not confirmed before the deadline (" + hint + ")"), lastKnownLeader));
            }
        }
    }

    /** Fails every waiting read with {@code error} (the node stops, or was removed). */
    void failAll(Throwable error) {
        waitingForLeader.forEach(r -> r.future().completeExceptionally(error));
        confirming.values().forEach(r -> r.future().completeExceptionally(error));
        waitingForLeader.clear();
        confirming.clear();
    }
}
