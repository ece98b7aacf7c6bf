package dev.raftkv.kv;

import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The open client sessions in least-recently-used order, and their expiry.
 *
 * <p>Expiry is a function of the log alone, so every replica expires the same sessions
 * at the same log index: "now" is the state machine's log clock (the largest
 * {@code timestamp_millis} applied so far), and "recently used" means named by a
 * recently applied command. Because a session's last-active time is set to that
 * monotonic clock whenever it moves to the most-recent end, last-active times never
 * decrease along the order, so expiring by idle time only ever looks at the head.
 *
 * <p>Confined to the apply thread.
 */
final class SessionTable {

    private final SessionLimits limits;
    /** Access order: iteration runs from the least to the most recently used. */
    private final LinkedHashMap<Long, Session> sessionsById = new LinkedHashMap<>(16, 0.75f, true);

    SessionTable(SessionLimits limits) {
        this.limits = limits;
    }

    /**
     * Opens session {@code id} as the most recently used, then expires the least
     * recently used others while more than {@link SessionLimits#maxSessions()} are open.
     *
     * @throws IllegalStateException if {@code id} is already open (ids are log indexes, so never)
     */
    Session open(long id, long nowMillis) {
        Session session = new Session(id, nowMillis, 0);
        if (sessionsById.putIfAbsent(id, session) != null) {
            throw new IllegalStateException("session " + id + " is already open");
        }
        evictOverCap();
        return session;
    }

    /** Marks session {@code id} used now and returns it, or null if it is not open. */
    Session touch(long id, long nowMillis) {
        Session session = sessionsById.get(id);
        if (session != null) {
            session.touch(nowMillis);
        }
        return session;
    }

    /** Closes session {@code id}; false if it was not open. */
    boolean close(long id) {
        return sessionsById.remove(id) != null;
    }

    /**
     * Expires every session idle for longer than {@link SessionLimits#idleTimeout()} at
     * {@code nowMillis}, then the least recently used while over the cap.
     *
     * @return how many sessions expired
     */
    int expire(long nowMillis) {
        int before = sessionsById.size();
        Iterator<Session> oldestFirst = sessionsById.values().iterator();
        while (oldestFirst.hasNext()) {
            Session oldest = oldestFirst.next();
            if (nowMillis - oldest.lastActiveMillis() <= limits.idleTimeoutMillis()) {
                break;
            }
            oldestFirst.remove();
        }
        evictOverCap();
        return before - sessionsById.size();
    }

    private void evictOverCap() {
        Iterator<Session> oldestFirst = sessionsById.values().iterator();
        while (sessionsById.size() > limits.maxSessions()) {
            oldestFirst.next();
            oldestFirst.remove();
        }
    }

    /** Adds a session read from a snapshot as the most recently used; callers add them in snapshot order. */
    void restore(Session session) {
        if (sessionsById.putIfAbsent(session.id(), session) != null) {
            throw new IllegalStateException("session " + session.id() + " appears twice");
        }
    }

    /** An independent copy with the same sessions in the same order, for a snapshot view. */
    SessionTable copy() {
        SessionTable copy = new SessionTable(limits);
        for (Session session : sessionsById.values()) {
            copy.restore(session.copy());
        }
        return copy;
    }

    boolean contains(long id) {
        return sessionsById.containsKey(id);
    }

    int size() {
        return sessionsById.size();
    }

    /** Read-only view from the least to the most recently used; iterating it does not count as use. */
    Collection<Session> leastRecentlyUsedFirst() {
        return Collections.unmodifiableCollection(sessionsById.values());
    }
}
