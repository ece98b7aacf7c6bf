package dev.raftkv.client.cli;

import dev.raftkv.proto.Consistency;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@code raftkv bench} runs.
 *
 * @param concurrency operations in flight at any time (closed loop: each completion starts the next)
 * @param valueSizeBytes size of each written value
 * @param keySpace keys are {@code bench-0000000000} .. {@code keySpace - 1}, chosen uniformly
 *     (or in order, see {@code sequential})
 * @param duration length of the measured phase (after warm-up)
 * @param maxOps the measured phase also ends after this many operations; 0 for no count limit
 * @param readPercent share of gets among operations, 0..100; the rest are puts
 * @param consistency of the gets
 * @param warmup length of the unmeasured phase before
 * @param seed seeds key and operation choice (worker {@code i} uses {@code seed + i})
 * @param sequential keys in order, 0, 1, 2, ... across all workers (wrapping at the key space),
 *     e.g. to load exactly {@code keySpace} keys with {@code --ops}
 */
public record BenchOptions(
        int concurrency,
        int valueSizeBytes,
        int keySpace,
        Duration duration,
        long maxOps,
        int readPercent,
        Consistency consistency,
        Duration warmup,
        long seed,
        boolean sequential) {

    /** @throws IllegalArgumentException naming the option that is out of range */
    public BenchOptions {
        require(concurrency >= 1, "--concurrency must be at least 1");
        require(valueSizeBytes >= 0, "--value-size must not be negative");
        require(keySpace >= 1, "--keys must be at least 1");
        Objects.requireNonNull(duration, "duration");
        require(!duration.isNegative() && !duration.isZero(), "--duration must be positive");
        require(maxOps >= 0, "--ops must not be negative");
        require(readPercent >= 0 && readPercent <= 100, "--read-percent must be within 0..100");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(warmup, "warmup");
        require(!warmup.isNegative(), "--warmup must not be negative");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
