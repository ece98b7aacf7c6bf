package dev.raftkv.raft;

import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The settings of one {@link RaftNode}. Time is counted in ticks: the driver calls
 * {@link RaftNode#tick()} at a fixed interval, so {@code electionTicks = 10} with a
 * 50 ms tick is a 500–1000 ms election timeout.
 *
 * @param id this node's id; never empty
 * @param voters the bootstrap voting members, this node among them, in force while
 *     neither the log nor the snapshot holds a configuration; empty for a node that
 *     joins a running cluster (as a learner, it learns the configuration from the leader)
 * @param electionTicks the minimum election timeout; each timeout is drawn uniformly
 *     from {@code [electionTicks, 2 * electionTicks)} (§5.2, randomized timeouts)
 * @param heartbeatTicks the leader's heartbeat interval; must be below electionTicks
 * @param maxBytesPerMessage the byte budget of the entries in one append message (at
 *     least one entry is sent whatever its size)
 * @param maxEntriesPerMessage the entry budget of one append message
 * @param maxInflightMessages appends sent to a follower in replicate mode without an
 *     answer yet; past it, the leader waits (flow control)
 * @param preVote run a pre-vote round before a real election (thesis §9.6), so a
 *     node that cannot win does not raise the term
 * @param checkQuorum a leader steps down when it has not heard from a quorum within
 *     an election timeout, and a follower that heard from a live leader within the
 *     minimum election timeout ignores (pre-)vote requests (thesis §6.2, §4.2.3)
 * @param appliedIndex the index the state machine has already applied (the snapshot
 *     it was restored from); committed entries after it are handed out again
 * @param random the source of election timeout jitter; seeded in tests
 * @param maxCatchUpLagEntries how far behind the leader's last index a learner's log
 *     may be for it to be promoted, and a voter's for leadership to be handed to it;
 *     further behind, either request is refused ({@link RefusedException.Reason#TARGET_LAGGING})
 */
public record RaftConfig(
        String id,
        List<String> voters,
        int electionTicks,
        int heartbeatTicks,
        long maxBytesPerMessage,
        int maxEntriesPerMessage,
        int maxInflightMessages,
        boolean preVote,
        boolean checkQuorum,
        long appliedIndex,
        RandomGenerator random,
        long maxCatchUpLagEntries) {

    /** The default of {@link #maxCatchUpLagEntries()}: about one full append message. */
    public static final long DEFAULT_MAX_CATCH_UP_LAG_ENTRIES = 64;

    /** The settings without {@code maxCatchUpLagEntries}, which takes its default. */
    public RaftConfig(String id, List<String> voters, int electionTicks, int heartbeatTicks, long maxBytesPerMessage,
            int maxEntriesPerMessage, int maxInflightMessages, boolean preVote, boolean checkQuorum, long appliedIndex,
            RandomGenerator random) {
        this(id, voters, electionTicks, heartbeatTicks, maxBytesPerMessage, maxEntriesPerMessage, maxInflightMessages,
                preVote, checkQuorum, appliedIndex, random, DEFAULT_MAX_CATCH_UP_LAG_ENTRIES);
    }

    public RaftConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(random, "random");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("node id must not be empty");
        }
        voters = List.copyOf(voters);
        if (!voters.isEmpty() && !voters.contains(id)) {
            throw new IllegalArgumentException("node id " + id + " is not among the voters " + voters);
        }
        if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("need 1 <= heartbeatTicks < electionTicks, got heartbeatTicks="
                    + heartbeatTicks + " electionTicks=" + electionTicks);
        }
        if (maxBytesPerMessage < 1 || maxEntriesPerMessage < 1 || maxInflightMessages < 1) {
            throw new IllegalArgumentException("message and in-flight limits must be positive");
        }
        if (appliedIndex < 0) {
            throw new IllegalArgumentException("appliedIndex must not be negative: " + appliedIndex);
        }
        if (maxCatchUpLagEntries < 0) {
            throw new IllegalArgumentException("maxCatchUpLagEntries must not be negative: " + maxCatchUpLagEntries);
        }
    }

    /** Defaults for a node: 10-tick election timeout, 1-tick heartbeat, 1 MiB / 512 entries per message, window 256. */
    public static RaftConfig defaults(String id, List<String> voters, RandomGenerator random) {
        return new RaftConfig(id, voters, 10, 1, 1 << 20, 512, 256, true, true, 0, random);
    }

    public RaftConfig withTicks(int electionTicks, int heartbeatTicks) {
        return new RaftConfig(id, voters, electionTicks, heartbeatTicks, maxBytesPerMessage, maxEntriesPerMessage,
                maxInflightMessages, preVote, checkQuorum, appliedIndex, random, maxCatchUpLagEntries);
    }

    public RaftConfig withMessageLimits(long maxBytesPerMessage, int maxEntriesPerMessage, int maxInflightMessages) {
        return new RaftConfig(id, voters, electionTicks, heartbeatTicks, maxBytesPerMessage, maxEntriesPerMessage,
                maxInflightMessages, preVote, checkQuorum, appliedIndex, random, maxCatchUpLagEntries);
    }

    public RaftConfig withAppliedIndex(long appliedIndex) {
        return new RaftConfig(id, voters, electionTicks, heartbeatTicks, maxBytesPerMessage, maxEntriesPerMessage,
                maxInflightMessages, preVote, checkQuorum, appliedIndex, random, maxCatchUpLagEntries);
    }

    public RaftConfig withMaxCatchUpLagEntries(long maxCatchUpLagEntries) {
        return new RaftConfig(id, voters, electionTicks, heartbeatTicks, maxBytesPerMessage, maxEntriesPerMessage,
                maxInflightMessages, preVote, checkQuorum, appliedIndex, random, maxCatchUpLagEntries);
    }
}
