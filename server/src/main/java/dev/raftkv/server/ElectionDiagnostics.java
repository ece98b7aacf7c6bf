package dev.raftkv.server;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.raft.ElectionEvent;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Makes the reason for each election visible. The core says what happened
 * ({@link ElectionEvent}: which timeout fired, after how many ticks without a leader);
 * this class adds what only the driver knows — how long, in real time, since a message
 * from a leader reached this node and since its event loop handled one, the longest
 * loop round and sync of the last one to two seconds (a loop stuck behind its disk sends
 * no heartbeats and handles none), and the time the JVM spent in GC meanwhile — and writes
 * one transition-log line per event and counts it in {@link NodeMetrics}:
 * <pre>
 * event=election node=n2 term=3 cause=election-timeout stage=pre-vote last_leader=n1 ticks_since_leader=14 ...
 * event=step-down node=n1 term=3 cause=check-quorum silent=[n2, n3] ...
 * </pre>
 *
 * <p>Threads: {@link #arrived} is called by gRPC threads; every other method by the event
 * loop only.
 */
final class ElectionDiagnostics {

    /** Length of one of the two windows the longest round and sync are kept for. */
    static final long WINDOW_NANOS = 1_000_000_000L;
    private static final long NEVER = Long.MIN_VALUE;

    private final TransitionLog transitions;
    private final NodeMetrics metrics;
    private final LongSupplier gcMillis;

    private volatile long leaderMessageArrivedNanos = NEVER;
    private long leaderMessageHandledNanos = NEVER;
    private long windowStartNanos = NEVER;
    private long gcMillisAtPreviousWindow;
    private long gcMillisAtWindow;
    private long maxRoundNanos;
    private long maxRoundNanosPrevious;
    private long maxSyncNanos;
    private long maxSyncNanosPrevious;

    /**
     * @param gcMillis the JVM's total GC time so far, in milliseconds (e.g. the sum of the
     *     garbage collector MXBeans' collection times); read once a second by the loop
     */
    ElectionDiagnostics(TransitionLog transitions, NodeMetrics metrics, LongSupplier gcMillis) {
        this.transitions = transitions;
        this.metrics = metrics;
        this.gcMillis = gcMillis;
    }

    /** A peer message reached this node (gRPC thread); before the loop sees it. */
    void arrived(Message m, long nowNanos) {
        if (fromLeader(m)) {
            leaderMessageArrivedNanos = nowNanos;
        }
    }

    /** The loop handed {@code m} to the core. */
    void handled(Message m, long nowNanos) {
        if (fromLeader(m)) {
            leaderMessageHandledNanos = nowNanos;
        }
    }

    private static boolean fromLeader(Message m) {
        MessageType type = m.getType();
        return type == MessageType.MSG_APPEND || type == MessageType.MSG_HEARTBEAT || type == MessageType.MSG_SNAPSHOT;
    }

    /** A sync of the log took {@code nanos}. */
    void synced(long nanos) {
        maxSyncNanos = Math.max(maxSyncNanos, nanos);
    }

    /** One round of the loop ran from {@code startNanos} to {@code endNanos}. */
    void roundFinished(long startNanos, long endNanos) {
        roll(endNanos);
        maxRoundNanos = Math.max(maxRoundNanos, endNanos - startNanos);
    }

    private void roll(long nowNanos) {
        if (windowStartNanos == NEVER) {
            windowStartNanos = nowNanos;
            gcMillisAtWindow = gcMillis.getAsLong();
            gcMillisAtPreviousWindow = gcMillisAtWindow;
            return;
        }
        if (nowNanos - windowStartNanos < WINDOW_NANOS) {
            return;
        }
        boolean skippedOne = nowNanos - windowStartNanos >= 2 * WINDOW_NANOS;
        maxRoundNanosPrevious = skippedOne ? 0 : maxRoundNanos;
        maxSyncNanosPrevious = skippedOne ? 0 : maxSyncNanos;
        maxRoundNanos = 0;
        maxSyncNanos = 0;
        gcMillisAtPreviousWindow = skippedOne ? gcMillis.getAsLong() : gcMillisAtWindow;
        gcMillisAtWindow = gcMillis.getAsLong();
        windowStartNanos = nowNanos;
    }

    /** Logs and counts the core's events of one batch. */
    void report(List<ElectionEvent> events, long nowNanos) {
        for (ElectionEvent event : events) {
            long sinceLeaderMillis = millisSince(leaderMessageHandledNanos, nowNanos);
            metrics.recordElectionEvent(event, sinceLeaderMillis);
            transitions.event(eventName(event), event.term(), describe(event, nowNanos));
        }
    }

    static String eventName(ElectionEvent event) {
        if (event.leaderSteppedDown()) {
            return "step-down";
        }
        return event.cause() == ElectionEvent.Cause.HIGHER_TERM ? "higher-term" : "election";
    }

    /** The details of the log line of {@code event}: the core's facts, then the driver's timing. */
    String describe(ElectionEvent event, long nowNanos) {
        StringBuilder line = new StringBuilder("cause=").append(cause(event.cause()));
        switch (event.cause()) {
            case ELECTION_TIMEOUT -> line.append(" stage=").append(event.preVote() ? "pre-vote" : "vote")
                    .append(" last_leader=").append(event.peer() == null ? "none" : event.peer())
                    .append(" timeout_ticks=").append(event.timeoutTicks());
            case TIMEOUT_NOW -> line.append(" stage=vote from=").append(event.peer());
            case CHECK_QUORUM -> line.append(" silent=").append(event.silentVoters())
                    .append(" interval_ticks=").append(event.timeoutTicks());
            case HIGHER_TERM -> line.append(" from=").append(event.peer()).append(" type=")
                    .append(event.messageType());
        }
        line.append(" role=").append(event.roleBefore());
        line.append(" ticks_since_leader=").append(event.ticksSinceLeader());
        line.append(" ms_since_leader_handled=").append(format(millisSince(leaderMessageHandledNanos, nowNanos)));
        line.append(" ms_since_leader_arrived=").append(format(millisSince(leaderMessageArrivedNanos, nowNanos)));
        roll(nowNanos);
        line.append(String.format(Locale.ROOT, " loop_max_round_ms=%.1f sync_max_ms=%.1f gc_ms=%d",
                Math.max(maxRoundNanos, maxRoundNanosPrevious) / 1e6, Math.max(maxSyncNanos, maxSyncNanosPrevious) / 1e6,
                gcMillis.getAsLong() - gcMillisAtPreviousWindow));
        return line.toString();
    }

    static String cause(ElectionEvent.Cause cause) {
        return cause.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Milliseconds from {@code thenNanos} to {@code nowNanos}, or -1 if it never happened. */
    private static long millisSince(long thenNanos, long nowNanos) {
        return thenNanos == NEVER ? -1 : (nowNanos - thenNanos) / 1_000_000;
    }

    private static String format(long millis) {
        return millis < 0 ? "never" : Long.toString(millis);
    }

    /** The JVM's total time in garbage collection so far, in milliseconds. */
    static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc
                : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
