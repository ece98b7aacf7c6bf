package dev.raftkv.sim;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * The simulator's clock and agenda: events run in time order, ties broken by the
 * order they were scheduled, so a run is a pure function of its seed. Every event
 * can add to a running trace hash, which two runs of one seed must agree on.
 */
final class EventQueue {

    private record Event(long timeMillis, long seq, Runnable action) {
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.timeMillis != b.timeMillis ? Long.compare(a.timeMillis, b.timeMillis) : Long.compare(a.seq, b.seq));
    private long nowMillis;
    private long seq;
    private long steps;
    private long traceHash = 1125899906842597L;

    long nowMillis() {
        return nowMillis;
    }

    long steps() {
        return steps;
    }

    long traceHash() {
        return traceHash;
    }

    void after(long delayMillis, Runnable action) {
        events.add(new Event(nowMillis + delayMillis, seq++, action));
    }

    /** Runs the next event; false if none is left or the next one is after {@code untilMillis}. */
    boolean runNext(long untilMillis) {
        Event next = events.peek();
        if (next == null || next.timeMillis > untilMillis) {
            return false;
        }
        events.poll();
        nowMillis = next.timeMillis;
        steps++;
        next.action.run();
        return true;
    }

    /** Mixes an event into the trace hash; payloads must hash the same in every JVM. */
    void trace(String kind, String who, byte[] payload) {
        traceHash = 31 * traceHash + nowMillis;
        traceHash = 31 * traceHash + kind.hashCode();
        traceHash = 31 * traceHash + who.hashCode();
        traceHash = 31 * traceHash + Arrays.hashCode(payload);
    }
}
