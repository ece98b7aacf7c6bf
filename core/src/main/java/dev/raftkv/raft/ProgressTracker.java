package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The membership a node works with, and the leader's {@link Progress} for each
 * member: who votes, how votes and matches form a majority (§5.2, §5.3). Learners
 * receive the log and have a {@link Progress}, but never count for a majority of
 * votes, of matches (commitment), of heartbeat answers (ReadIndex) or of active
 * followers (CheckQuorum).
 */
final class ProgressTracker {

    private Set<String> voters;
    private Set<String> learners;
    private final Map<String, Progress> progress = new LinkedHashMap<>();
    private final Map<String, Boolean> votes = new HashMap<>();

    ProgressTracker(ConfState conf) {
        setConf(conf);
    }

    /** Takes {@code conf} as the configuration in force; progress is adjusted separately. */
    void setConf(ConfState conf) {
        this.voters = Collections.unmodifiableSet(new LinkedHashSet<>(conf.getVotersList()));
        this.learners = Collections.unmodifiableSet(new LinkedHashSet<>(conf.getLearnersList()));
    }

    Set<String> voters() {
        return voters;
    }

    Set<String> learners() {
        return learners;
    }

    int quorum() {
        return voters.size() / 2 + 1;
    }

    boolean isVoter(String id) {
        return voters.contains(id);
    }

    boolean isMember(String id) {
        return voters.contains(id) || learners.contains(id);
    }

    Progress progress(String id) {
        return progress.get(id);
    }

    Map<String, Progress> all() {
        return progress;
    }

    /** The match index of every member, in the order of {@link #all()}. */
    Map<String, Long> matchIndexes() {
        Map<String, Long> result = new java.util.LinkedHashMap<>();
        progress.forEach((member, pr) -> result.put(member, pr.match()));
        return result;
    }

    /** Starts tracking every member (and {@code self}) afresh, as a new leader does: next = lastIndex + 1, probing. */
    void resetProgress(String self, long lastIndex, int maxInflight) {
        progress.clear();
        syncProgress(self, lastIndex, maxInflight);
    }

    /**
     * After a configuration change on the leader: tracks new members from {@code lastIndex + 1}
     * (probing finds where their logs end) and forgets removed ones; {@code self} is
     * always tracked, as the leader counts its own durable log when it is a voter.
     */
    void syncProgress(String self, long lastIndex, int maxInflight) {
        progress.keySet().removeIf(id -> !id.equals(self) && !isMember(id));
        for (String id : voters) {
            progress.computeIfAbsent(id, x -> new Progress(lastIndex + 1, maxInflight));
        }
        for (String id : learners) {
            progress.computeIfAbsent(id, x -> new Progress(lastIndex + 1, maxInflight));
        }
        progress.computeIfAbsent(self, x -> new Progress(lastIndex + 1, maxInflight));
    }

    /**
     * The highest index held by a majority of voters (the quorum-th largest match).
     * Only meaningful on the leader.
     */
    long quorumMatchIndex() {
        long[] matches = new long[voters.size()];
        int i = 0;
        for (String id : voters) {
            matches[i++] = progress.get(id).match();
        }
        Arrays.sort(matches);
        return matches[matches.length - quorum()];
    }

    /** The voters other than {@code self} not heard from since the marks were last cleared. */
    List<String> inactiveVoters(String self) {
        List<String> silent = new ArrayList<>();
        for (String id : voters) {
            if (!id.equals(self) && !progress.get(id).recentActive()) {
                silent.add(id);
            }
        }
        return silent;
    }

    /** Whether a majority of voters was heard from recently; clears the marks for the next round. */
    boolean quorumActiveAndReset(String self) {
        int active = 0;
        for (String id : voters) {
            Progress pr = progress.get(id);
            if (id.equals(self) || pr.recentActive()) {
                active++;
            }
        }
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            e.getValue().setRecentActive(e.getKey().equals(self));
        }
        return active >= quorum();
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records a voter's answer (the first answer of each voter counts; others are ignored). */
    void recordVote(String id, boolean granted) {
        if (voters.contains(id)) {
            votes.putIfAbsent(id, granted);
        }
    }

    enum VoteResult { WON, LOST, PENDING }

    VoteResult voteResult() {
        long granted = votes.values().stream().filter(g -> g).count();
        long rejected = votes.size() - granted;
        if (granted >= quorum()) {
            return VoteResult.WON;
        }
        if (rejected > voters.size() - quorum()) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }
}
