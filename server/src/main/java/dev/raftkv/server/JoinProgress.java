package dev.raftkv.server;

/**
 * Whether a node started with {@code raftkv.join} is still catching up: from start until
 * it has applied the log up to the index the cluster answered when it was added (the
 * add-learner's, or a later promotion's). Until then its state is far behind the cluster's
 * although its own commit index may look applied (it knows only what reached it), so it
 * must not report ready nor look current.
 *
 * <p>Owned by the event loop: not thread-safe.
 */
final class JoinProgress {

    private boolean joining;
    private long targetIndex;

    /** @param joining whether the node starts joining (a node whose log already lists it restarts as a member) */
    JoinProgress(boolean joining) {
        this.joining = joining;
    }

    /** The cluster answered a membership request of this node: the change was applied there at {@code index}. */
    void learned(long index) {
        if (joining && index > targetIndex) {
            targetIndex = index;
        }
    }

    /**
     * Notes the applied index; returns true once, when the node has just caught up.
     */
    boolean applied(long appliedIndex) {
        if (joining && targetIndex > 0 && appliedIndex >= targetIndex) {
            joining = false;
            return true;
        }
        return false;
    }

    boolean joining() {
        return joining;
    }

    /** The index to reach, 0 while the cluster has not answered yet. */
    long targetIndex() {
        return targetIndex;
    }
}
