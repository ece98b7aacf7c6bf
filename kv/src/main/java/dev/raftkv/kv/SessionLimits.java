package dev.raftkv.kv;

import java.time.Duration;
import java.util.Objects;

/**
 * When client sessions expire (Ongaro thesis §6.3). They shape the replicated state, so
 * every replica of a cluster must use the same limits: a replica with other limits
 * would expire other sessions and answer retries differently.
 *
 * @param idleTimeout a session that no applied command has named for longer than this,
 *     measured on the state machine's log clock (see {@link KvStateMachine#clockMillis()}),
 *     expires; at least one millisecond
 * @param maxSessions when more sessions are open, the least recently used expire; at least 1
 */
public record SessionLimits(Duration idleTimeout, int maxSessions) {

    /** Ten minutes idle, at most 100,000 sessions. */
    public static final SessionLimits DEFAULT = new SessionLimits(Duration.ofMinutes(10), 100_000);

    public SessionLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("idleTimeout must be at least 1 ms, was " + idleTimeout);
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1, was " + maxSessions);
        }
    }

    long idleTimeoutMillis() {
        return idleTimeout.toMillis();
    }
}
