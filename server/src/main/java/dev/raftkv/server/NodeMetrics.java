package dev.raftkv.server;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Counters and the fsync latency histogram of one node, updated by the event loop and
 * read by any thread (metrics endpoints, status), and the reasons of its elections
 * ({@link ElectionDiagnostics}).
 */
public final class NodeMetrics {

    /** Upper bounds of the fsync latency buckets, in microseconds; the last bucket is unbounded. */
    public static final long[] SYNC_BUCKET_BOUNDS_MICROS = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000,
        50_000, 100_000, 250_000, 1_000_000};

    final LongAdder proposals = new LongAdder();
    final LongAdder rejectedProposals = new LongAdder();
    final LongAdder leaderChanges = new LongAdder();
    /** Ticks of the event loop: logical time, which stops while the loop is blocked. */
    final LongAdder ticks = new LongAdder();
    private final LongAdder syncs = new LongAdder();
    private final LongAdder syncNanos = new LongAdder();
    private final AtomicLongArray syncBuckets = new AtomicLongArray(SYNC_BUCKET_BOUNDS_MICROS.length + 1);
    final LongAdder applied = new LongAdder();
    final LongAdder forwardCalls = new LongAdder();
    final LongAdder forwardedWrites = new LongAdder();
    /** Forward calls that carried a write sent before (only writes the state machine deduplicates are sent again). */
    final LongAdder forwardsResent = new LongAdder();
    private final LongAdder snapshots = new LongAdder();
    private volatile long lastSnapshotBytes;
    private volatile long lastSnapshotNanos;
    private final java.util.concurrent.atomic.AtomicLong longestSnapshotPauseNanos =
            new java.util.concurrent.atomic.AtomicLong();
    final LongAdder snapshotsInstalled = new LongAdder();

    void recordSnapshot(long bytes, long nanos) {
        snapshots.increment();
        lastSnapshotBytes = bytes;
        lastSnapshotNanos = nanos;
    }

    void recordSnapshotPause(long nanos) {
        longestSnapshotPauseNanos.accumulateAndGet(nanos, Math::max);
    }

    /** Snapshots this node wrote. */
    public long snapshots() {
        return snapshots.sum();
    }

    /** Snapshots received from a leader and installed. */
    public long snapshotsInstalled() {
        return snapshotsInstalled.sum();
    }

    /** Size of the last snapshot written, in bytes. */
    public long lastSnapshotBytes() {
        return lastSnapshotBytes;
    }

    /** Time the last snapshot took to write, in nanoseconds. */
    public long lastSnapshotNanos() {
        return lastSnapshotNanos;
    }

    /** The longest pause a snapshot forced on the apply path (taking the state's point-in-time view). */
    public long longestSnapshotPauseNanos() {
        return longestSnapshotPauseNanos.get();
    }

    /** {@code Forward} calls this node made to pass client writes to the leader. */
    public long forwardCalls() {
        return forwardCalls.sum();
    }

    /** Client writes this node passed to the leader (several may share a call). */
    public long forwardedWrites() {
        return forwardedWrites.sum();
    }

    /** Forward calls that carried a write sent to a leader before. */
    public long forwardsResent() {
        return forwardsResent.sum();
    }

    /** Entries this node applied. */
    public long applied() {
        return applied.sum();
    }

    /** Elections this node started (its term raised to campaign), by cause. */
    private final LongAdder electionsOnTimeout = new LongAdder();
    private final LongAdder electionsOnTimeoutNow = new LongAdder();
    private final LongAdder electionTimeouts = new LongAdder();
    private final LongAdder stepDownsCheckQuorum = new LongAdder();
    private final LongAdder stepDownsHigherTerm = new LongAdder();

    /** Receives each election event with the milliseconds since this node last handled a leader's message. */
    @FunctionalInterface
    public interface ElectionListener {
        /**
         * @param millisSinceLeader since the event loop last handled a message from a leader, or -1 if never
         */
        void onElectionEvent(dev.raftkv.raft.ElectionEvent event, long millisSinceLeader);
    }

    private volatile ElectionListener electionListener = (event, millis) -> { };

    /**
     * Hands every election event to {@code listener} as well (e.g. to count it by cause in a metrics library).
     * Called on the event loop thread: it must be quick and must not block. Replaces the listener set before;
     * null removes it.
     */
    public void onElectionEvent(ElectionListener listener) {
        electionListener = listener == null ? (event, millis) -> { } : listener;
    }

    void recordElectionEvent(dev.raftkv.raft.ElectionEvent event, long millisSinceLeader) {
        if (event.timeoutFired()) {
            electionTimeouts.increment();
        }
        switch (event.cause()) {
            case ELECTION_TIMEOUT -> {
                if (event.startedElection()) {
                    electionsOnTimeout.increment();
                }
            }
            case TIMEOUT_NOW -> electionsOnTimeoutNow.increment();
            case CHECK_QUORUM -> stepDownsCheckQuorum.increment();
            case HIGHER_TERM -> {
                if (event.leaderSteppedDown()) {
                    stepDownsHigherTerm.increment();
                }
            }
        }
        electionListener.onElectionEvent(event, millisSinceLeader);
    }

    /** Elections this node started because it heard from no leader for an election timeout (term raised). */
    public long electionsOnTimeout() {
        return electionsOnTimeout.sum();
    }

    /** Elections this node started because the leader handed leadership to it. */
    public long electionsOnTimeoutNow() {
        return electionsOnTimeoutNow.sum();
    }

    /** Election timeouts that fired on this node (each starts a pre-vote round, which may not raise the term). */
    public long electionTimeouts() {
        return electionTimeouts.sum();
    }

    /** Times this node stopped leading because it did not hear from a quorum within an election timeout. */
    public long stepDownsCheckQuorum() {
        return stepDownsCheckQuorum.sum();
    }

    /** Times this node stopped leading because a message carried a higher term. */
    public long stepDownsHigherTerm() {
        return stepDownsHigherTerm.sum();
    }

    private volatile LongConsumer syncListener = nanos -> { };

    /**
     * Hands every sync's duration in nanoseconds to {@code listener} as well (e.g. to a metrics library's
     * histogram). It is called on the event loop thread, so it must be quick and must not block. Replaces the
     * listener set before; null removes it.
     */
    public void onSync(LongConsumer listener) {
        syncListener = listener == null ? nanos -> { } : listener;
    }

    void recordSync(long nanos) {
        syncListener.accept(nanos);
        syncs.increment();
        syncNanos.add(nanos);
        long micros = nanos / 1_000;
        int bucket = 0;
        while (bucket < SYNC_BUCKET_BOUNDS_MICROS.length && micros > SYNC_BUCKET_BOUNDS_MICROS[bucket]) {
            bucket++;
        }
        syncBuckets.incrementAndGet(bucket);
    }

    /** Commands this node proposed as leader. */
    public long proposals() {
        return proposals.sum();
    }

    /** Writes refused because the proposal queue was full. */
    public long rejectedProposals() {
        return rejectedProposals.sum();
    }

    /** Times this node saw a new leader. */
    public long ticks() {
        return ticks.sum();
    }

    public long leaderChanges() {
        return leaderChanges.sum();
    }

    public long syncs() {
        return syncs.sum();
    }

    public long syncNanosTotal() {
        return syncNanos.sum();
    }

    /** Syncs per bucket of {@link #SYNC_BUCKET_BOUNDS_MICROS} (not cumulative). */
    public long[] syncBuckets() {
        long[] copy = new long[syncBuckets.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = syncBuckets.get(i);
        }
        return copy;
    }
}
