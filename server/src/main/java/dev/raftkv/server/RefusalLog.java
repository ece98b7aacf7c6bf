package dev.raftkv.server;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Logs refused connections and calls (a certificate of the wrong CA, of another member, a
 * plaintext peer...) at WARNING, each distinct refusal once per {@link #REPEAT_NANOS}: a peer
 * that retries every 100 ms must not flood the log, and the cluster keeps serving meanwhile.
 * Thread-safe.
 */
final class RefusalLog {

    /** The same refusal (same kind, same subject) is logged again after this long at the earliest. */
    static final long REPEAT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static final Logger LOG = System.getLogger(RefusalLog.class.getName());

    private final String nodeId;
    private final LongSupplier nanoClock;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    RefusalLog(String nodeId, LongSupplier nanoClock) {
        this.nodeId = nodeId;
        this.nanoClock = nanoClock;
    }

    /**
     * Reports a refusal; logged unless the same {@code key} was logged less than {@link #REPEAT_NANOS} ago.
     *
     * @return whether it was logged
     */
    boolean refused(String key, String message) {
        long now = nanoClock.getAsLong();
        boolean[] log = {false};
        lastLogged.compute(key, (k, last) -> {
            if (last == null || now - last >= REPEAT_NANOS) {
                log[0] = true;
                return now;
            }
            return last;
        });
        if (log[0]) {
            LOG.log(Level.WARNING, "node " + nodeId + ": refused " + message);
        }
        if (lastLogged.size() > 10_000) {
            lastLogged.clear();
        }
        return log[0];
    }
}
