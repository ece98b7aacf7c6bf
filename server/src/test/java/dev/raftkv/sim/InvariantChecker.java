package dev.raftkv.sim;

import dev.raftkv.proto.Entry;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks Raft's safety properties (paper Figure 3) as the simulation runs, each time
 * a node changes role, writes entries or applies one:
 * <ul>
 *   <li>election safety: at most one leader per term;</li>
 *   <li>log matching: two logs with an entry of the same index and term hold the same
 *       entry there and agree on the term before it (so, inductively, on everything
 *       before it);</li>
 *   <li>leader completeness: a new leader's log holds every entry declared committed
 *       in an earlier term;</li>
 *   <li>commitment is final: no two nodes declare different entries committed at one
 *       index;</li>
 *   <li>state machine safety: every node applies the same entry at each index, in
 *       index order.</li>
 * </ul>
 * The nodes also check the persistence rule themselves before they send a vote or an
 * acknowledgement (see {@code SimNode}). The first violation is kept; the simulation stops there.
 */
final class InvariantChecker {

    private record EntryId(long index, long term) {
    }

    private record EntryFacts(long previousTerm, int contentHash) {
    }

    private final EventQueue queue;
    private final Map<Long, String> leaderOfTerm = new HashMap<>();
    private final Map<EntryId, EntryFacts> entriesSeen = new HashMap<>();
    /** Entry at position i has index i + 1: what was applied anywhere. */
    private final List<Entry> applied = new ArrayList<>();
    /** Term at position i is the term of committed entry i + 1, as the first node to commit it saw it. */
    private final List<Long> committedTerms = new ArrayList<>();
    private final List<String> committedBy = new ArrayList<>();
    /** The lowest term in which a node declared the entry at position i committed. */
    private final List<Long> committedInTerm = new ArrayList<>();
    private final Map<String, Long> lastCommitByNode = new HashMap<>();
    private final Map<String, Long> lastAppliedByNode = new HashMap<>();
    private String violation;

    InvariantChecker(EventQueue queue) {
        this.queue = queue;
    }

    String violation() {
        return violation;
    }

    long appliedCount() {
        return applied.size();
    }

    void fail(String message) {
        if (violation == null) {
            violation = "at t=" + queue.nowMillis() + "ms: " + message;
        }
    }

    void onRestart(String node) {
        lastAppliedByNode.put(node, 0L);
        lastCommitByNode.put(node, 0L);
    }

    /**
     * A node declares entries up to {@code commitIndex} committed (its hard state says
     * so): each must be the entry every other node committed at that index.
     */
    void onCommit(SimNode node, long commitIndex) {
        long from = lastCommitByNode.getOrDefault(node.id, 0L) + 1;
        for (long index = from; index <= commitIndex; index++) {
            long term = node.raft().termAt(index);
            if (index <= committedTerms.size()) {
                int position = (int) index - 1;
                committedInTerm.set(position, Math.min(committedInTerm.get(position), node.raft().term()));
                long known = committedTerms.get(position);
                if (known != term) {
                    fail("state machine safety: " + node.id + " committed entry " + index + " of term " + term
                            + " where " + committedBy.get((int) index - 1) + " committed one of term " + known);
                    return;
                }
            } else {
                committedTerms.add(term);
                committedBy.add(node.id);
                committedInTerm.add(node.raft().term());
            }
        }
        lastCommitByNode.put(node.id, Math.max(commitIndex, from - 1));
    }

    void onSoftState(SimNode node, Ready.SoftState soft) {
        if (soft.role() != Role.LEADER) {
            return;
        }
        String previous = leaderOfTerm.putIfAbsent(soft.term(), node.id);
        if (previous != null && !previous.equals(node.id)) {
            fail("election safety: " + previous + " and " + node.id + " are both leader in term " + soft.term());
        }
        for (int i = 0; i < committedTerms.size(); i++) {
            long index = i + 1;
            if (committedInTerm.get(i) >= soft.term()) {
                // Committed in this term or a later one (a paused node may win an election late):
                // the property speaks only of leaders of later terms.
                continue;
            }
            if (node.raft().lastIndex() < index || node.raft().termAt(index) != committedTerms.get(i)) {
                fail("leader completeness: " + node.id + " became leader of term " + soft.term()
                        + " without the committed entry " + index + " (term " + committedTerms.get(i) + ", committed by "
                        + committedBy.get(i) + ")");
                return;
            }
        }
    }

    void onWrite(SimNode node, List<Entry> entries) {
        for (Entry entry : entries) {
            long index = entry.getIndex();
            long previousTerm = index == 1 ? 0 : node.raft().termAt(index - 1);
            EntryFacts facts = new EntryFacts(previousTerm, entry.getData().hashCode() * 31 + entry.getTypeValue());
            EntryFacts known = entriesSeen.putIfAbsent(new EntryId(index, entry.getTerm()), facts);
            if (known != null && !known.equals(facts)) {
                fail("log matching: " + node.id + " holds a different entry " + index + " of term " + entry.getTerm()
                        + " (or a different term before it) than another node");
            }
        }
    }

    void onApply(SimNode node, Entry entry) {
        long index = entry.getIndex();
        long last = lastAppliedByNode.getOrDefault(node.id, 0L);
        if (index != last + 1) {
            fail(node.id + " applied entry " + index + " after " + last);
        }
        lastAppliedByNode.put(node.id, index);
        if (index <= applied.size()) {
            Entry first = applied.get((int) index - 1);
            if (first.getTerm() != entry.getTerm() || !first.getData().equals(entry.getData())) {
                fail("state machine safety: " + node.id + " applied entry " + index + " of term " + entry.getTerm()
                        + " where another node applied one of term " + first.getTerm());
            }
        } else {
            applied.add(entry);
        }
    }
}
