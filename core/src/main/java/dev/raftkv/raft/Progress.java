package dev.raftkv.raft;

/**
 * The leader's view of one follower's log (Raft paper's nextIndex and matchIndex,
 * §5.3), with the flow control of etcd's raft: a follower is <em>probed</em> one
 * message at a time until the leader finds where their logs match, then
 * <em>replicated</em> to with up to {@code maxInflight} appends in flight. A follower
 * whose next entry was compacted away is sent the snapshot instead (§7) and gets no
 * appends until the transfer ends.
 */
final class Progress {

    enum Mode {
        /** Looking for the last matching index: one append per heartbeat or response. */
        PROBE,
        /** Logs match up to {@code match}: appends are pipelined. */
        REPLICATE,
        /** A snapshot is being sent (its index is {@code pendingSnapshot}): no appends until it ends. */
        SNAPSHOT
    }

    private long match;
    private long next;
    private Mode mode = Mode.PROBE;
    /** In probe mode: an append is outstanding, wait for its answer or a heartbeat response. */
    private boolean probeSent;
    /** Heard from since the leader last checked its quorum (CheckQuorum). */
    private boolean recentActive;
    private final Inflights inflights;
    private long pendingSnapshot;

    Progress(long next, int maxInflight) {
        this.next = next;
        this.inflights = new Inflights(maxInflight);
    }

    long match() {
        return match;
    }

    long next() {
        return next;
    }

    Mode mode() {
        return mode;
    }

    boolean recentActive() {
        return recentActive;
    }

    void setRecentActive(boolean recentActive) {
        this.recentActive = recentActive;
    }

    long pendingSnapshot() {
        return pendingSnapshot;
    }

    /** Whether the leader must hold further appends back (flow control). */
    boolean isPaused() {
        return switch (mode) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    /** Lets a probing leader send again, e.g. after a heartbeat response. */
    void resumeProbe() {
        probeSent = false;
    }

    /** Called when the leader sent an append whose last entry is {@code lastIndex} (or none). */
    void onAppendSent(long lastIndex, boolean hasEntries) {
        if (mode == Mode.REPLICATE && hasEntries) {
            next = lastIndex + 1;
            inflights.add(lastIndex);
        } else if (mode == Mode.PROBE) {
            probeSent = true;
        }
    }

    /**
     * Records that the follower's log matches up to {@code index}. Returns false for an
     * answer older than what is known.
     */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /** Frees the oldest in-flight slot when the window is full, so a lost append cannot stall replication forever. */
    void freeFirstInflightIfFull() {
        if (mode == Mode.REPLICATE && inflights.isFull()) {
            inflights.freeFirst();
        }
    }

    /** Releases in-flight slots of appends up to {@code index}, which the follower has acknowledged. */
    void freeInflightsUpTo(long index) {
        inflights.freeUpTo(index);
    }

    /**
     * Handles a rejected append whose previous index was {@code rejected}; {@code hintIndex}
     * is the highest index at which the logs may match. Returns false when the
     * rejection is stale (answers an append older than the current position).
     */
    boolean maybeDecreaseTo(long rejected, long hintIndex) {
        if (mode == Mode.SNAPSHOT) {
            // An answer to an append sent before the snapshot: the snapshot decides now.
            return false;
        }
        if (mode == Mode.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, hintIndex + 1), match + 1);
        probeSent = false;
        return true;
    }

    /**
     * Probes from after the match, or after the snapshot just sent if the follower has
     * installed it (a snapshot transfer that failed leaves {@code pendingSnapshot} 0).
     */
    void becomeProbe() {
        long afterSnapshot = mode == Mode.SNAPSHOT ? pendingSnapshot + 1 : 0;
        mode = Mode.PROBE;
        probeSent = false;
        next = Math.max(match + 1, afterSnapshot);
        pendingSnapshot = 0;
        inflights.reset();
    }

    /** Stops appends while the snapshot at {@code snapshotIndex} is sent. */
    void becomeSnapshot(long snapshotIndex) {
        mode = Mode.SNAPSHOT;
        pendingSnapshot = snapshotIndex;
        probeSent = false;
        inflights.reset();
    }

    /** The driver reports the snapshot transfer failed: the follower is probed again from its match. */
    void snapshotFailed() {
        pendingSnapshot = 0;
    }

    void becomeReplicate() {
        mode = Mode.REPLICATE;
        pendingSnapshot = 0;
        next = match + 1;
        inflights.reset();
    }

    @Override
    public String toString() {
        return mode + " match=" + match + " next=" + next + (probeSent ? " paused" : "")
                + (mode == Mode.SNAPSHOT ? " snapshot=" + pendingSnapshot : "")
                + " inflight=" + inflights.count();
    }

    /** A bounded ring of the last indexes of in-flight appends, oldest first. */
    static final class Inflights {
        private final long[] lastIndexes;
        private int start;
        private int count;

        Inflights(int capacity) {
            this.lastIndexes = new long[capacity];
        }

        boolean isFull() {
            return count == lastIndexes.length;
        }

        int count() {
            return count;
        }

        void add(long lastIndex) {
            if (isFull()) {
                throw new IllegalStateException("in-flight window is full");
            }
            lastIndexes[(start + count) % lastIndexes.length] = lastIndex;
            count++;
        }

        void freeUpTo(long index) {
            while (count > 0 && lastIndexes[start] <= index) {
                start = (start + 1) % lastIndexes.length;
                count--;
            }
        }

        void freeFirst() {
            if (count > 0) {
                start = (start + 1) % lastIndexes.length;
                count--;
            }
        }

        void reset() {
            start = 0;
            count = 0;
        }
    }
}
