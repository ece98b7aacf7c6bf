package dev.raftkv.liberty.metrics;

import java.util.function.LongSupplier;
import org.eclipse.microprofile.metrics.Counter;

/**
 * A MicroProfile {@link Counter} that follows a count the node keeps itself (a
 * {@code NodeMetrics} total that only grows): MicroProfile Metrics 5 has no counter read from a
 * function, and a gauge would tell Prometheus the value may go down (no {@code rate()}, no
 * {@code _total}). {@link #catchUp()} adds what the count grew by since the last call.
 *
 * <p>Thread-safe; the exporter calls {@link #catchUp()} from its sampling task, so a scrape sees
 * the count of at most one sampling period ago.
 */
final class CumulativeCounter {

    private final Counter counter;
    private final LongSupplier source;

    CumulativeCounter(Counter counter, LongSupplier source) {
        this.counter = counter;
        this.source = source;
    }

    /** Raises the counter to the source's count; a count below the counter's (it never shrinks) changes nothing. */
    synchronized void catchUp() {
        long behind = source.getAsLong() - counter.getCount();
        if (behind > 0) {
            counter.inc(behind);
        }
    }
}
