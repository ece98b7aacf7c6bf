package dev.raftkv.server;

import dev.raftkv.proto.HardState;
import dev.raftkv.proto.Message;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.StorageException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Makes what the event loop writes durable without holding the loop on the disk: the
 * {@code fdatasync} runs on a sync thread of its own, one at a time, each covering every
 * write made before it (group commit), while the loop goes on ticking, sending heartbeats,
 * replicating and handling messages. A leader stalled in a long fsync therefore keeps its
 * followers from timing out (the unprompted elections of issue 12, item 6), and its own
 * copy counts toward commitment only once it is durable (thesis §10.2.1).
 *
 * <p>What waits for a sync: each Ready's {@code messagesAfterPersist} (votes and
 * acknowledgements) are held, in order, until the sync that covers the Ready's writes has
 * returned; then {@link RaftNode#persisted} tells the core. A Ready that changes the term
 * or the vote, or installs a snapshot, is synced on the loop thread before it is advanced
 * ({@link #mustSyncNow}): it first waits for the sync in flight. Those are rare (elections,
 * snapshot installs), and keeping them synchronous keeps a candidate from counting its own
 * vote before that vote is durable.
 *
 * <p>Threading: every method runs on the event loop; the {@link SyncRunner} only runs
 * {@link LogStore.PendingSync#await()} and hands the result back through {@code toLoop}.
 * A failed sync stops the loop: the call that learns of it throws the {@link StorageException}.
 */
final class LogSync implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LogSync.class.getName());

    private record Held(long seq, List<Message> messages) { }

    private final LogStore store;
    private final RaftNode core;
    private final Consumer<Message> send;
    private final Consumer<Runnable> toLoop;
    private final LongConsumer syncTimes;
    private final TimeSource time;
    private final SyncRunner runner;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Store changes waiting for the sync in flight to return ({@link #whenIdle}). */
    private final ArrayDeque<Runnable> afterSync = new ArrayDeque<>();

    /** Counts the Readys written to the store; a sync covers every one up to the count when it began. */
    private long writtenSeq;
    private long durableSeq;
    /** Names the sync the runner has, or null. */
    private Object inFlight;
    private long inFlightSeq;
    /** The last entry in the store when the sync in flight began: durable once it returns. */
    private long inFlightIndex;
    private long inFlightTerm;
    /** Term and vote of the last hard state handed to the store: a Ready that changes them syncs on the loop. */
    private long writtenTerm;
    private String writtenVote;

    /**
     * @param send sends a message that waited for durability
     * @param toLoop runs a task on the event loop (the runner's results)
     * @param syncTimes gets each sync's duration in nanoseconds
     */
    LogSync(LogStore store, RaftNode core, Consumer<Message> send, Consumer<Runnable> toLoop, LongConsumer syncTimes,
            TimeSource time, SyncRunner runner) {
        this.store = store;
        this.core = core;
        this.send = send;
        this.toLoop = toLoop;
        this.syncTimes = syncTimes;
        this.time = time;
        this.runner = runner;
        HardState stored = store.hardState();
        this.writtenTerm = stored.getTerm();
        this.writtenVote = stored.getVotedFor();
    }

    /**
     * Whether {@code ready} must be durable before it is advanced (it changes the term or
     * the vote, or carries a snapshot). If so, this waits for the sync in flight first, so
     * the store may be written, reset and synced at once.
     */
    boolean mustSyncNow(Ready ready) {
        HardState hs = ready.hardState();
        boolean now = ready.snapshot() != null
                || (hs != null && (hs.getTerm() != writtenTerm || !hs.getVotedFor().equals(writtenVote)));
        if (now) {
            awaitInFlight();
        }
        return now;
    }

    /**
     * {@code ready}'s entries and hard state are written: syncs now if {@code now} (see
     * {@link #mustSyncNow}), else leaves it to the sync thread; sends its
     * {@code messagesAfterPersist} once durable; advances the core.
     */
    void persist(Ready ready, boolean now) {
        if (ready.hardState() != null) {
            writtenTerm = ready.hardState().getTerm();
            writtenVote = ready.hardState().getVotedFor();
        }
        if (now) {
            syncNow();
            ready.messagesAfterPersist().forEach(send);
            core.advance(ready);
            return;
        }
        if (ready.mustSync()) {
            writtenSeq++;
        }
        if (writtenSeq == durableSeq) {
            ready.messagesAfterPersist().forEach(send);
        } else if (!ready.messagesAfterPersist().isEmpty()) {
            held.add(new Held(writtenSeq, ready.messagesAfterPersist()));
        }
        core.advanceWritten(ready);
        if (inFlight == null && writtenSeq > durableSeq) {
            startSync();
        }
    }

    /**
     * Runs {@code change}, a store call that must not overlap a sync (a compaction), at once
     * if no sync is in flight, else as soon as it returns; the next sync makes it durable.
     * The loop never waits for the disk for it.
     */
    void whenIdle(Runnable change) {
        if (inFlight == null) {
            change.run();
        } else {
            afterSync.add(change);
        }
    }

    /** Makes everything written durable on the loop thread. */
    void syncNow() {
        awaitInFlight();
        long start = time.nanoTime();
        store.sync();
        syncTimes.accept(time.nanoTime() - start);
        long last = store.lastIndex();
        markDurable(writtenSeq, last, store.term(last));
    }

    private void startSync() {
        long seq = writtenSeq;
        long start = time.nanoTime();
        LogStore.PendingSync pending = store.beginSync();
        inFlightSeq = seq;
        inFlightIndex = store.lastIndex();
        inFlightTerm = store.term(inFlightIndex);
        Object token = new Object();
        inFlight = token;
        runner.run(pending, error -> {
            long nanos = time.nanoTime() - start;
            toLoop.accept(() -> synced(token, error, nanos));
        });
    }

    /** On the loop: the sync in flight returned (or failed). */
    private void synced(Object token, Throwable error, long nanos) {
        if (token != inFlight) {
            return; // already taken back by awaitInFlight
        }
        inFlight = null;
        rethrow(error);
        syncTimes.accept(nanos);
        markDurable(inFlightSeq, inFlightIndex, inFlightTerm);
        runDeferredChanges();
        if (writtenSeq > durableSeq) {
            startSync();
        }
    }

    private void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        inFlight = null;
        rethrow(runner.finish());
        markDurable(inFlightSeq, inFlightIndex, inFlightTerm);
        runDeferredChanges();
    }

    private void runDeferredChanges() {
        while (!afterSync.isEmpty()) {
            afterSync.poll().run();
        }
    }

    private static void rethrow(Throwable error) {
        if (error instanceof StorageException storage) {
            throw storage;
        }
        if (error != null) {
            throw new StorageException("the log sync failed: " + error, error);
        }
    }

    /** Everything written up to Ready {@code seq} is durable, the store then ending at ({@code index}, {@code term}). */
    private void markDurable(long seq, long index, long term) {
        durableSeq = Math.max(durableSeq, seq);
        while (!held.isEmpty() && held.peek().seq() <= durableSeq) {
            held.poll().messages().forEach(send);
        }
        core.persisted(index, term);
    }

    /**
     * The loop stopped: waits (bounded) for the sync in flight, then makes what was written
     * durable, deferred compactions included, so that an orderly stop leaves the log as the
     * node last saw it. Messages still held are dropped (the loop sends nothing more). After
     * a storage failure the store refuses the sync, which is then left out.
     */
    @Override
    public void close() {
        runner.close(30_000);
        held.clear();
        try {
            runDeferredChanges();
            store.sync();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no final sync of the log on stop: " + e);
        }
    }
}
