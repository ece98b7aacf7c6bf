package dev.raftkv.sim;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.raft.RefusedException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What an operator does to a simulated cluster's membership, through whichever node
 * leads at the time: add a learner, promote it once it has caught up, remove a node
 * (the leader too), replace a voter, hand leadership over. A refused request
 * (another change pending, a new leader not ready, a learner still lagging, no
 * leader at all) is retried a little later, a bounded number of times, as an
 * operator's tooling would.
 */
final class MembershipActions {

    /** At most this many nodes join a cluster during one run. */
    private static final int MAX_ADDED_NODES = 2;
    private static final int RETRIES = 40;
    private static final long RETRY_MILLIS = 50;

    private final Cluster cluster;
    private int added;
    /** Proposals waiting to be tried again. */
    private int retriesPending;

    MembershipActions(Cluster cluster) {
        this.cluster = cluster;
    }

    static ConfChange change(ConfChangeType type, String nodeId) {
        return ConfChange.newBuilder().setType(type).setNodeId(nodeId).setPeerAddress(nodeId + ":7000")
                .setClientAddress(nodeId + ":8000").build();
    }

    /** Whether no membership change waits to be proposed again. */
    boolean idle() {
        return retriesPending == 0;
    }

    /** Starts a new node and adds it as a learner; with {@code promote}, makes it a voter once it caught up. */
    void addLearner(boolean promote, Runnable then) {
        if (added >= MAX_ADDED_NODES) {
            return;
        }
        added++;
        SimNode node = cluster.addNode();
        propose(change(ConfChangeType.CONF_CHANGE_ADD_LEARNER, node.id), RETRIES, () -> {
            if (promote) {
                propose(change(ConfChangeType.CONF_CHANGE_PROMOTE, node.id), RETRIES, then);
            }
        });
    }

    /** Removes a member: the leader itself if {@code leader}, else a random one; keeps at least two voters. */
    void remove(boolean leader, SplittableRandom random) {
        SimNode current = cluster.leader();
        if (current == null) {
            return;
        }
        List<String> candidates = new ArrayList<>(current.raft().voters());
        if (candidates.size() <= 2) {
            candidates.clear();
        }
        candidates.addAll(current.raft().learners());
        if (leader && current.raft().voters().size() > 2) {
            candidates = List.of(current.id);
        }
        if (candidates.isEmpty()) {
            return;
        }
        String target = candidates.get(random.nextInt(candidates.size()));
        propose(change(ConfChangeType.CONF_CHANGE_REMOVE, target), RETRIES, () -> { });
    }

    /**
     * Replaces a voter: adds a learner, promotes it once caught up, then at once asks to
     * remove another voter (the leader, half the time) — which must wait until the
     * promotion commits.
     */
    void replace(SplittableRandom random) {
        boolean removeLeader = random.nextBoolean();
        long pick = random.nextLong();
        addLearner(true, () -> {
            SimNode current = cluster.leader();
            if (current == null) {
                return;
            }
            List<String> voters = new ArrayList<>(current.raft().voters());
            voters.remove("n" + cluster.nodeIds().size());
            String target = removeLeader ? current.id : voters.get((int) Math.floorMod(pick, (long) voters.size()));
            propose(change(ConfChangeType.CONF_CHANGE_REMOVE, target), RETRIES, () -> { });
        });
    }

    /** Asks the leader to hand over to a random other voter; a refusal (lagging, busy) is not retried. */
    void transferLeadership(SplittableRandom random) {
        SimNode current = cluster.leader();
        if (current == null) {
            return;
        }
        List<String> voters = new ArrayList<>(current.raft().voters());
        voters.remove(current.id);
        if (!voters.isEmpty()) {
            current.transferLeadership(voters.get(random.nextInt(voters.size())));
        }
    }

    /** Proposes {@code change} to the leader now, and again later while it is refused. */
    private void propose(ConfChange change, int triesLeft, Runnable onAccepted) {
        SimNode leader = cluster.leader();
        boolean accepted = false;
        if (leader != null) {
            try {
                accepted = leader.proposeConfChange(change);
            } catch (RefusedException refused) {
                if (refused.reason() == RefusedException.Reason.ALREADY_MEMBER
                        || refused.reason() == RefusedException.Reason.NOT_A_MEMBER
                        || refused.reason() == RefusedException.Reason.LAST_VOTER
                        || refused.reason() == RefusedException.Reason.NOT_A_LEARNER) {
                    return;
                }
            }
        }
        if (accepted) {
            onAccepted.run();
        } else if (triesLeft > 0) {
            retriesPending++;
            cluster.queue().after(RETRY_MILLIS, () -> {
                retriesPending--;
                propose(change, triesLeft - 1, onAccepted);
            });
        }
    }
}
