package dev.raftkv.kv;

/**
 * How much multi-version history the state machine keeps: at most {@code maxRevisions}
 * revisions back from the current one; older revisions are compacted away automatically
 * (reads at them fail as compacted). Part of the state machine's determinism: every
 * replica must use the same limits.
 */
public record HistoryLimits(int maxRevisions) {

    /** 10,000 revisions of history. */
    public static final HistoryLimits DEFAULT = new HistoryLimits(10_000);

    public HistoryLimits {
        if (maxRevisions < 1) {
            throw new IllegalArgumentException("maxRevisions must be at least 1, was " + maxRevisions);
        }
    }
}
