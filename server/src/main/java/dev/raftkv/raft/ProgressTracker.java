package dev.raftkv.raft;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The membership a node works with, and the leader's {@link Progress} for each
 * member: who votes, how votes and matches form a majority (§5.2, §5.3).
 */
final class ProgressTracker {

    private final Set<String> voters;
    private final Map<String, Progress> progress = new LinkedHashMap<>();
    private final Map<String, Boolean> votes = new HashMap<>();

    ProgressTracker(Set<String> voters) {
        this.voters = Collections.unmodifiableSet(new LinkedHashSet<>(voters));
    }

    Set<String> voters() {
        return voters;
    }

    int quorum() {
        return voters.size() / 2 + 1;
    }

    boolean isVoter(String id) {
        return voters.contains(id);
    }

    Progress progress(String id) {
        return progress.get(id);
    }

    Map<String, Progress> all() {
        return progress;
    }

    /** Starts tracking every member afresh, as a new leader does: next = lastIndex + 1, probing. */
    void resetProgress(long lastIndex, int maxInflight) {
        progress.clear();
        for (String id : voters) {
            progress.put(id, new Progress(lastIndex + 1, maxInflight));
        }
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

    /** Whether a majority of voters was heard from recently; clears the marks for the next round. */
    boolean quorumActiveAndReset(String self) {
        int active = 0;
        for (String id : voters) {
            Progress pr = progress.get(id);
            if (id.equals(self) || pr.recentActive()) {
                active++;
            }
            pr.setRecentActive(id.equals(self));
        }
        return active >= quorum();
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records a voter's answer (the first answer of each voter counts). */
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
