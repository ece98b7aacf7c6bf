package dev.raftkv.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The disruption check: beyond safety, a healthy cluster must not be disturbed by one
 * of its voters coming back from a partition (thesis §9.6 PreVote, §4.2.3 leader
 * stickiness with CheckQuorum). On a quiet cluster — calm network and disks, every node
 * up, clients done, no membership change pending — one voter is cut off from all others
 * for several election timeouts (in half the runs it also crashes and restarts from its
 * disk meanwhile) and is then let back. The leader must stay leader, and no voter may end
 * in another term: a pre-vote that raised a term, or a rejoining node whose higher term
 * reaches the leader, deposes it.
 */
final class Disruption {

    private Disruption() {
    }

    /** Runs the check; returns null if the cluster was not disturbed, else what went wrong. */
    static String probe(Cluster cluster, MembershipActions membership, SplittableRandom random) {
        long electionMillis = (long) cluster.settings().electionTicks() * cluster.settings().tickMillis();
        long deadline = cluster.queue().nowMillis() + Simulation.LIVENESS_BUDGET_MILLIS;
        boolean quiet = cluster.runUntil(() -> membership.idle() && cluster.hasStableLeader()
                && !cluster.leader().raft().isConfChangePending(), deadline);
        if (cluster.checker().violation() != null) {
            return cluster.checker().violation();
        }
        if (!quiet) {
            return "liveness: no stable leader, or a membership change still pending, before the disruption check: "
                    + Simulation.describeNodes(cluster);
        }
        // Every voter hears from this leader for a whole maximum election timeout first.
        cluster.runFor(2 * electionMillis);
        SimNode leader = cluster.leader();
        if (leader == null || !cluster.hasStableLeader()) {
            return "disruption: the leader of a quiet cluster changed with nothing cut off: "
                    + Simulation.describeNodes(cluster);
        }
        long term = leader.raft().term();
        List<String> voters = new ArrayList<>(leader.raft().voters());
        if (voters.size() < 3) {
            // Without one of two voters no quorum is left: that cluster is not healthy.
            return null;
        }
        voters.remove(leader.id);
        SimNode victim = cluster.node(voters.get(random.nextInt(voters.size())));
        List<String> others = new ArrayList<>(cluster.nodeIds());
        others.remove(victim.id);
        cluster.network().partition(List.of(victim.id), others);
        long cutOffMillis = 3 * 2 * electionMillis + random.nextInt((int) electionMillis);
        if (random.nextBoolean()) {
            cluster.queue().after(cutOffMillis / 2, victim::crash);
            cluster.queue().after(cutOffMillis / 2 + 20 + random.nextInt(50), () -> {
                if (!victim.isUp()) {
                    victim.start();
                }
            });
        }
        cluster.runFor(cutOffMillis);
        cluster.network().healAll();
        cluster.runFor(2 * 2 * electionMillis);
        if (cluster.checker().violation() != null) {
            return cluster.checker().violation();
        }
        String where = victim.id + ", cut off from the cluster for " + cutOffMillis + " ms and let back";
        if (!leader.isUp() || leader.raft().role() != dev.raftkv.raft.Role.LEADER || leader.raft().term() != term) {
            return "disruption: " + where + ", deposed the healthy leader " + leader.id + " of term " + term + ": "
                    + Simulation.describeNodes(cluster);
        }
        for (String id : leader.raft().voters()) {
            SimNode node = cluster.node(id);
            if (node.isUp() && node.raft().term() != term) {
                return "disruption: " + where + ", left voter " + id + " in term " + node.raft().term()
                        + " while the healthy cluster is in term " + term + ": " + Simulation.describeNodes(cluster);
            }
        }
        return null;
    }
}
