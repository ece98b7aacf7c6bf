package dev.raftkv.server;

import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.Entry;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The writes this node proposed as leader, waiting for their log entries to be applied,
 * with their deadlines. A waiter is keyed by the index its entry was proposed at and
 * remembers the term: the entry applied at that index answers it only if it is the same
 * entry (same index and term, Log Matching, §5.3); any other entry there means a new
 * leader replaced it.
 *
 * <p>{@link #answers} and {@link #failAbove} are the two rules that keep a write from being
 * answered with another entry's result after a leader change; the simulator's mutation
 * test overrides both to show it notices.
 *
 * <p>Threading: {@link #await}, {@link #failAbove}, {@link #failAll} and {@link #expire}
 * run on the event loop, {@link #applied} and {@link #coveredBySnapshot} on the apply
 * thread; the map is concurrent and every waiter is completed by whichever removes it.
 */
class WaitingWrites {

    /** A write proposed by this node, waiting for its entry. */
    record Waiter(long term, long deadlineNanos, CompletableFuture<Applied> future) {
    }

    private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();

    int size() {
        return waiters.size();
    }

    /** Registers the future of a write proposed at {@code index} in {@code term}, before the entry can commit. */
    void await(long index, long term, long deadlineNanos, CompletableFuture<Applied> future) {
        waiters.put(index, new Waiter(term, deadlineNanos, future));
    }

    /**
     * The entry at {@code entry.getIndex()} was applied with {@code result} (null: it was
     * no command, as a leader's no-op). Apply thread.
     */
    final void applied(Entry entry, CommandResult result) {
        Waiter waiter = waiters.remove(entry.getIndex());
        if (waiter == null) {
            return;
        }
        if (result != null && answers(waiter, entry)) {
            waiter.future().complete(new Applied(result, entry.getIndex()));
        } else {
            waiter.future().completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                    "a new leader replaced log entry " + entry.getIndex() + " before it committed; the write did"
                            + " not take effect there, retry it"), null));
        }
    }

    /** Whether the applied {@code entry} is the one {@code waiter} waits for: proposed in the waiter's term. */
    boolean answers(Waiter waiter, Entry entry) {
        return waiter.term() == entry.getTerm();
    }

    /**
     * A snapshot from the leader replaced the state machine at {@code index}: writes
     * waiting for entries it covers will not see them applied here, and their outcome is
     * unknown (they are retried with their session). Apply thread.
     */
    final void coveredBySnapshot(long index) {
        for (Long waiting : List.copyOf(waiters.keySet())) {
            Waiter waiter = waiting <= index ? waiters.remove(waiting) : null;
            if (waiter != null) {
                waiter.future().completeExceptionally(new RequestFailedException(Status.ABORTED.withDescription(
                        "this node installed a snapshot covering log index " + waiting + "; the write's outcome is"
                                + " unknown here, retry it with the same session"), null));
            }
        }
    }

    /**
     * Leadership was lost: fails every waiting write above {@code committedIndex} — it may
     * yet commit under the next leader, so clients retry with their session. Writes at or
     * below it are committed and learn their real outcome when applied.
     */
    void failAbove(long committedIndex, Status status, String leaderId) {
        for (Long index : List.copyOf(waiters.keySet())) {
            Waiter waiter = index > committedIndex ? waiters.remove(index) : null;
            if (waiter != null) {
                waiter.future().completeExceptionally(new RequestFailedException(status, leaderId));
            }
        }
    }

    /** Fails every waiting write: they may still commit, so clients retry with their session. */
    final void failAll(Status status, String leaderId) {
        for (Long index : List.copyOf(waiters.keySet())) {
            Waiter waiter = waiters.remove(index);
            if (waiter != null) {
                waiter.future().completeExceptionally(new RequestFailedException(status, leaderId));
            }
        }
    }

    /** Fails writes whose deadline passed: their outcome is unknown. */
    final void expire(long nowNanos) {
        for (Map.Entry<Long, Waiter> e : waiters.entrySet()) {
            if (e.getValue().deadlineNanos() - nowNanos < 0 && waiters.remove(e.getKey(), e.getValue())) {
                e.getValue().future().completeExceptionally(new RequestFailedException(Status.DEADLINE_EXCEEDED
                        .withDescription("write at log index " + e.getKey() + " not applied before its deadline;"
                                + " its outcome is unknown, retry with the same session and sequence"), null));
            }
        }
    }
}
