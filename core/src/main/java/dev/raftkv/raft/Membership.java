package dev.raftkv.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import java.util.ArrayList;
import java.util.List;

/**
 * Which configuration is in force on a node, derived from its log and snapshot: the
 * last {@code ENTRY_CONFIG} entry the log holds, else the snapshot's configuration,
 * else the bootstrap voters of {@link RaftConfig#voters()}. A configuration takes
 * effect as soon as its entry is appended, not when it commits (thesis §4.1), so a
 * follower whose uncommitted suffix is replaced falls back to the configuration
 * before it; this class remembers the configuration entries above the snapshot for
 * that.
 *
 * <p>An empty configuration (no voters, no learners) in a snapshot means that no
 * configuration entry was ever applied up to it: the bootstrap voters hold.
 */
final class Membership {

    private record ConfigEntry(long index, long term, ConfState conf) {
    }

    private static final long LOAD_BYTES = 4L << 20;

    private final ConfState bootstrap;
    private ConfState base;
    private long baseIndex;
    private long baseTerm;
    /** Configuration entries above {@code baseIndex} that the log holds, in index order. */
    private final List<ConfigEntry> entries = new ArrayList<>();

    Membership(ConfState bootstrap) {
        this.bootstrap = bootstrap;
        this.base = bootstrap;
    }

    static boolean isEmpty(ConfState conf) {
        return conf.getVotersCount() == 0 && conf.getLearnersCount() == 0;
    }

    /** The configuration in force: the last one the log holds. */
    ConfState current() {
        return entries.isEmpty() ? base : entries.get(entries.size() - 1).conf();
    }

    /** Index of the entry that holds the configuration in force (the snapshot's index, or 0, if none does). */
    long currentIndex() {
        return entries.isEmpty() ? baseIndex : entries.get(entries.size() - 1).index();
    }

    /**
     * Term of the entry that holds the configuration in force (the snapshot's term when a
     * snapshot covers it, 0 for the bootstrap voters): with {@link #currentIndex()}, where
     * the configuration stands in the log, so two nodes can tell whose is newer.
     */
    long currentTerm() {
        return entries.isEmpty() ? baseTerm : entries.get(entries.size() - 1).term();
    }

    /** Whether {@code conf} lists {@code id} as a voter or a learner. */
    static boolean lists(ConfState conf, String id) {
        return conf.getVotersList().contains(id) || conf.getLearnersList().contains(id);
    }

    /** Whether any configuration this node knows of (in force or earlier, above the snapshot) lists {@code id}. */
    boolean everLists(String id) {
        return lists(base, id) || entries.stream().anyMatch(e -> lists(e.conf(), id));
    }

    /** The configuration before the one in force, or null if a snapshot covers it. */
    ConfState previous() {
        if (entries.isEmpty()) {
            return null;
        }
        return entries.size() == 1 ? base : entries.get(entries.size() - 2).conf();
    }

    /** The configuration in force at {@code index}, or null if it is below what this node knows. */
    ConfState at(long index) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).index() <= index) {
                return entries.get(i).conf();
            }
        }
        return index >= baseIndex ? base : null;
    }

    /**
     * Checks a snapshot the driver took: its configuration, unless empty (none was ever
     * applied), is the one in force at its index.
     *
     * @throws IllegalArgumentException if they differ
     */
    void requireSameAt(dev.raftkv.proto.SnapshotMeta snapshot) {
        ConfState expected = at(snapshot.getIndex());
        if (!isEmpty(snapshot.getConf()) && expected != null && !expected.equals(snapshot.getConf())) {
            throw new IllegalArgumentException("snapshot at index " + snapshot.getIndex() + " holds the configuration "
                    + snapshot.getConf() + " but the log's configuration there is " + expected);
        }
    }

    /** Starts over from a snapshot at {@code index}, {@code term} whose configuration is {@code conf}: the log after it is gone. */
    void restore(long index, long term, ConfState conf) {
        entries.clear();
        baseIndex = index;
        baseTerm = term;
        base = isEmpty(conf) ? bootstrap : conf;
    }

    /** A snapshot at {@code index}, {@code term} now covers the log up to it: folds the configuration entries it covers. */
    void compact(long index, long term) {
        if (index <= baseIndex) {
            return;
        }
        ConfState folded = at(index);
        entries.removeIf(e -> e.index() <= index);
        base = folded;
        baseIndex = index;
        baseTerm = term;
    }

    /** Reads every configuration entry the log holds above the snapshot (at start-up). */
    void load(RaftLog log) {
        long next = Math.max(baseIndex + 1, log.firstIndex());
        while (next <= log.lastIndex()) {
            List<Entry> chunk = log.entriesFrom(next, LOAD_BYTES, Integer.MAX_VALUE);
            reconcile(log, chunk);
            next = chunk.get(chunk.size() - 1).getIndex() + 1;
        }
    }

    /**
     * After the log changed: forgets configuration entries it no longer holds (a
     * replaced suffix), then learns those among {@code appended} that it now holds.
     * Returns whether the configuration in force changed.
     */
    boolean reconcile(RaftLog log, List<Entry> appended) {
        ConfState before = current();
        while (!entries.isEmpty()) {
            ConfigEntry last = entries.get(entries.size() - 1);
            boolean held = last.index() <= log.lastIndex()
                    && (last.index() < log.firstIndex() || log.term(last.index()) == last.term());
            if (held) {
                break;
            }
            entries.remove(entries.size() - 1);
        }
        for (Entry e : appended) {
            if (e.getType() != EntryType.ENTRY_CONFIG || e.getIndex() <= baseIndex || e.getIndex() < log.firstIndex()
                    || e.getIndex() > log.lastIndex() || log.term(e.getIndex()) != e.getTerm()) {
                continue;
            }
            entries.removeIf(c -> c.index() >= e.getIndex());
            entries.add(new ConfigEntry(e.getIndex(), e.getTerm(), parse(e)));
        }
        return !before.equals(current());
    }

    static ConfState parse(Entry e) {
        try {
            return ConfState.parseFrom(e.getData());
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("configuration entry " + e.getIndex()
                    + " holds no ConfState: the log is damaged", ex);
        }
    }
}
