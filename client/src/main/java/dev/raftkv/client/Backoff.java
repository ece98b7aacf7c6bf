package dev.raftkv.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: before retry {@code n} (1-based) wait a uniformly
 * random time in {@code [0, min(maxBackoff, initialBackoff * 2^(n-1))]}. Full jitter
 * spreads the retries of many clients after a leader change instead of synchronising them.
 * Thread-safe when the random generator is.
 */
final class Backoff {

    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final RandomGenerator random;

    Backoff(Duration initialBackoff, Duration maxBackoff, RandomGenerator random) {
        this.initialBackoffNanos = initialBackoff.toNanos();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.random = random;
    }

    /** The ceiling of the wait before retry {@code retry} (1-based), before jitter. */
    long ceilingNanos(int retry) {
        int doublings = Math.min(Math.max(retry - 1, 0), 62);
        long ceiling = initialBackoffNanos;
        for (int i = 0; i < doublings && ceiling < maxBackoffNanos; i++) {
            ceiling = ceiling > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : ceiling * 2;
        }
        return Math.min(ceiling, maxBackoffNanos);
    }

    /** The jittered wait before retry {@code retry} (1-based), in {@code [0, ceilingNanos(retry)]}. */
    long delayNanos(int retry) {
        long ceiling = ceilingNanos(retry);
        return ceiling <= 0 ? 0 : random.nextLong(ceiling + 1);
    }
}
