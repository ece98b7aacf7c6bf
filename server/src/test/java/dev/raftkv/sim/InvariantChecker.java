package dev.raftkv.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
 *       index order, and a snapshot only ever moves a node forward;</li>
 *   <li>snapshot agreement: every snapshot taken at one index holds the same state
 *       (data, sessions and configuration);</li>
 *   <li>configuration overlap (thesis §4.1): every configuration appended differs from
 *       the latest committed configuration before it by at most one voter, so any
 *       majority of the one overlaps any majority of the other.</li>
 *   <li>executed once: a write a session-less client sent once (its value is unique,
 *       {@link SimClient#UNIQUE}) is committed at most once unless every copy carries the
 *       same session and sequence, which the state machine applies once.</li>
 *   <li>acknowledged implies applied: a node answers a write it proposed only once its
 *       own state machine has applied it, and only with the result of that very entry
 *       (the bytes it proposed, at the index it proposed them at);</li>
 *   <li>linearizable reads: a ReadIndex read is served from a state that holds every
 *       entry committed anywhere before the read reached the node (thesis §6.4).</li>
 * </ul>
 * and, beyond safety, the rules that keep a cluster from being disrupted and from
 * trusting what is not durable:
 * <ul>
 *   <li>durable commitment: whenever a leader's commit index rises (in memory, before
 *       anything is sent or applied), a quorum of its voters holds that entry durably
 *       on disk — its own copy counts only once synced;</li>
 *   <li>pre-vote: starting a pre-vote, or answering one, leaves the node's term and vote
 *       as they were (thesis §9.6);</li>
 *   <li>disruption (checked by {@code Simulation} on a quiet cluster): a voter cut off
 *       from a healthy cluster and let back neither deposes its leader nor raises its term.</li>
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
    /** For each unique value written: how its first committed copy was identified (session/sequence or index). */
    private final Map<com.google.protobuf.ByteString, String> uniqueWrites = new HashMap<>();
    /** The voters of every configuration entry written anywhere. */
    private final Map<EntryId, Set<String>> configVoters = new HashMap<>();
    /** Voters of the committed configurations, by index (0: the bootstrap configuration). */
    private final TreeMap<Long, Set<String>> committedConfigs = new TreeMap<>();
    private final Map<Long, Integer> snapshotHashes = new HashMap<>();
    /** For each node: the term it last led in, and the highest commit index checked in that reign. */
    private final Map<String, long[]> leaderCommitChecked = new HashMap<>();
    private String violation;
    private boolean checkPreVotes = true;

    InvariantChecker(EventQueue queue) {
        this.queue = queue;
    }

    void bootstrap(List<String> voters) {
        committedConfigs.put(0L, Set.copyOf(voters));
    }

    /** Turns the pre-vote check off (on by default), to show that the disruption check alone catches its bugs. */
    void checkPreVotes(boolean on) {
        this.checkPreVotes = on;
    }

    String violation() {
        return violation;
    }

    long appliedCount() {
        return applied.size();
    }

    /** The highest index any node has declared committed so far. */
    long committedIndex() {
        return committedTerms.size();
    }

    /**
     * {@code node} serves a linearizable read of {@code key} from a state machine that has
     * applied up to {@code appliedIndex}; entries up to {@code committedBefore} were
     * committed before the read reached it.
     */
    void onLinearizableRead(String node, com.google.protobuf.ByteString key, long committedBefore,
                            long appliedIndex) {
        if (appliedIndex < committedBefore) {
            fail("linearizable reads: " + node + " served a read of " + key.toStringUtf8() + " at applied index "
                    + appliedIndex + ", but entry " + committedBefore + " was committed before the read arrived");
        }
    }

    /**
     * {@code node} answers the write it proposed as {@code proposed} with the result of
     * the entry at {@code index}; {@code entry} is that entry as handed to its apply path
     * (null if it never was) and {@code appliedIndex} how far its state machine is.
     */
    void onAcknowledged(String node, long index, com.google.protobuf.ByteString proposed, Entry entry,
                        long appliedIndex) {
        if (appliedIndex < index) {
            fail("acknowledged implies applied: " + node + " answered the write at index " + index
                    + " while its state machine had applied only up to " + appliedIndex);
        } else if (entry == null || !entry.getData().equals(proposed)) {
            fail("acknowledged implies applied: " + node + " answered a write it proposed at index " + index
                    + " with the result of " + (entry == null ? "an entry it never applied"
                    : "another entry applied there (term " + entry.getTerm() + ")"));
        }
    }

    void fail(String message) {
        if (violation == null) {
            violation = "at t=" + queue.nowMillis() + "ms: " + message;
        }
    }

    void onRestart(String node, long appliedIndex) {
        lastAppliedByNode.put(node, appliedIndex);
        lastCommitByNode.put(node, 0L);
    }

    /** A node replaced its state by a snapshot at {@code index}: it must not go back. */
    void onSnapshotInstalled(SimNode node, long index) {
        long last = lastAppliedByNode.getOrDefault(node.id, 0L);
        if (index < last) {
            fail(node.id + " installed a snapshot at " + index + " after applying up to " + last);
        }
        lastAppliedByNode.put(node.id, index);
    }

    /** A node took a snapshot of its state at {@code index}: equal to every other snapshot there. */
    void onSnapshot(SimNode node, long index, byte[] image) {
        int hash = Arrays.hashCode(image);
        Integer known = snapshotHashes.putIfAbsent(index, hash);
        if (known != null && known != hash) {
            fail("snapshot agreement: " + node.id + "'s snapshot at index " + index + " differs from another node's");
        }
    }

    /**
     * A node declares entries up to {@code commitIndex} committed (its hard state says
     * so): each must be the entry every other node committed at that index.
     */
    void onCommit(SimNode node, long commitIndex) {
        long from = Math.max(lastCommitByNode.getOrDefault(node.id, 0L) + 1, node.raft().firstIndex());
        for (long index = from; index <= commitIndex; index++) {
            long term = node.raft().termAt(index);
            Set<String> config = configVoters.get(new EntryId(index, term));
            if (config != null) {
                committedConfigs.put(index, config);
            }
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

    /**
     * A leader may have raised its commit index: the entry there must be durable on a
     * quorum of its voters, as Raft commits only what a majority stored (§5.3, and for
     * the leader's own copy thesis §10.2.1).
     */
    void onLeaderCommit(SimNode leader, Cluster cluster) {
        long commit = leader.raft().commitIndex();
        long term = leader.raft().term();
        long[] checked = leaderCommitChecked.computeIfAbsent(leader.id, k -> new long[] {-1, -1});
        if (checked[0] != term) {
            // What it knew committed when it won was committed by earlier leaders, under
            // configurations its own may differ from by a voter: only rises in its reign count.
            checked[0] = term;
            checked[1] = commit;
            return;
        }
        if (checked[1] >= commit) {
            return;
        }
        checked[1] = commit;
        long entryTerm = leader.raft().termAt(commit);
        List<String> durable = new ArrayList<>();
        Set<String> voters = leader.raft().voters();
        for (String voter : voters) {
            if (cluster.node(voter).holdsDurably(commit, entryTerm)) {
                durable.add(voter);
            }
        }
        if (durable.size() < voters.size() / 2 + 1) {
            fail("durable commitment: leader " + leader.id + " of term " + term + " declared entry " + commit
                    + " (term " + entryTerm + ") committed while only " + durable + " of the voters " + voters
                    + " hold it durably");
        }
    }

    /**
     * A node started, went on with, or answered a pre-vote: its term and vote must be as
     * before, as a pre-vote is for a term nobody entered yet (thesis §9.6).
     */
    void onPreVote(SimNode node, String what, long termBefore, String voteBefore) {
        if (!checkPreVotes) {
            return;
        }
        long term = node.raft().term();
        String vote = node.raft().votedFor();
        if (term != termBefore || !vote.equals(voteBefore)) {
            fail("pre-vote: " + node.id + " " + what + " and changed its durable state: term " + termBefore + " -> "
                    + term + ", vote '" + voteBefore + "' -> '" + vote + "'");
        }
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
            if (committedInTerm.get(i) >= soft.term() || index < node.raft().firstIndex()) {
                // Also skipped: entries its snapshot covers (snapshot agreement checks those).
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
            if (entry.getType() == EntryType.ENTRY_CONFIG) {
                checkOverlap(node, entry);
            }
        }
    }

    private void checkOverlap(SimNode node, Entry entry) {
        Set<String> voters;
        try {
            voters = Set.copyOf(ConfState.parseFrom(entry.getData()).getVotersList());
        } catch (InvalidProtocolBufferException e) {
            fail(node.id + " wrote a configuration entry " + entry.getIndex() + " that holds no ConfState");
            return;
        }
        configVoters.put(new EntryId(entry.getIndex(), entry.getTerm()), voters);
        Map.Entry<Long, Set<String>> committed = committedConfigs.floorEntry(entry.getIndex() - 1);
        Set<String> difference = new HashSet<>(voters);
        difference.addAll(committed.getValue());
        Set<String> common = new HashSet<>(voters);
        common.retainAll(committed.getValue());
        difference.removeAll(common);
        if (difference.size() > 1) {
            fail("configuration overlap: " + node.id + " holds configuration entry " + entry.getIndex() + " (term "
                    + entry.getTerm() + ") with voters " + voters + ", which differ by " + difference
                    + " from the committed configuration at index " + committed.getKey() + " with voters "
                    + committed.getValue() + ": their majorities need not overlap (thesis §4.1)");
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
            checkExecutedOnce(entry);
        }
    }

    private void checkExecutedOnce(Entry entry) {
        if (entry.getType() != dev.raftkv.proto.EntryType.ENTRY_COMMAND) {
            return;
        }
        dev.raftkv.proto.Command command;
        try {
            command = dev.raftkv.proto.Command.parseFrom(entry.getData());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return;
        }
        com.google.protobuf.ByteString value = switch (command.getOpCase()) {
            case PUT -> command.getPut().getValue();
            case COMPARE_AND_SET -> command.getCompareAndSet().getNewValue();
            default -> null;
        };
        if (value == null || !value.startsWith(com.google.protobuf.ByteString.copyFromUtf8(SimClient.UNIQUE))) {
            return;
        }
        String copy = command.getSessionId() == 0 ? "without a session at index " + entry.getIndex()
                : "as session " + command.getSessionId() + " sequence " + command.getSequence();
        String first = uniqueWrites.putIfAbsent(value, copy);
        if (first != null && (command.getSessionId() == 0 || !first.equals(copy))) {
            fail("executed once: the write of " + value.toStringUtf8() + " was committed " + first + " and again "
                    + copy + " (index " + entry.getIndex() + "), so it took effect twice");
        }
    }
}
