package dev.raftkv.sim;

import com.google.protobuf.ByteString;
import dev.raftkv.raft.InjectedBug;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One randomized run of a whole cluster from a seed: 3 or 5 nodes, concurrent
 * clients, and a period of chaos (message loss, duplication, delay and reordering,
 * symmetric and one-way partitions, leader isolation, flapping links, crashes that
 * lose unsynced writes, process pauses, bursts of short-lived leaders, crashes during
 * snapshot installs, and membership changes: learners added and promoted, nodes
 * removed (the leader too) and replaced, leadership handed over), all while nodes
 * snapshot and compact their logs often, then healing. It fails when an invariant breaks, when the
 * cluster does not serve every client within a bounded time after healing, when the
 * replicas end up different, or when the client history is not linearizable.
 */
final class Simulation {

    /** How long after healing every client operation must have completed. */
    static final long LIVENESS_BUDGET_MILLIS = 20_000;

    /**
     * What one run did.
     *
     * @param failure null when every check passed, else what went wrong
     */
    record Result(long seed, int nodes, String failure, long steps, long simulatedMillis, long traceHash,
                  int operations, long messagesDelivered) {

        boolean passed() {
            return failure == null;
        }
    }

    private final long seed;
    private final Set<InjectedBug> bugs;

    private final Set<DriverBug> driverBugs;
    /** Whether nodes check their pre-votes themselves; off only to show the disruption check alone. */
    private final boolean checkPreVotes;

    Simulation(long seed, Set<InjectedBug> bugs) {
        this(seed, bugs, Set.of());
    }

    Simulation(long seed, Set<InjectedBug> bugs, Set<DriverBug> driverBugs) {
        this(seed, bugs, driverBugs, true);
    }

    Simulation(long seed, Set<InjectedBug> bugs, Set<DriverBug> driverBugs, boolean checkPreVotes) {
        this.seed = seed;
        this.bugs = bugs;
        this.driverBugs = driverBugs;
        this.checkPreVotes = checkPreVotes;
    }

    static Result run(long seed) {
        return new Simulation(seed, Set.of()).run();
    }

    Result run() {
        SplittableRandom plan = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
        int nodes = plan.nextBoolean() ? 3 : 5;
        Cluster.Settings defaults = Cluster.Settings.defaults(nodes);
        Cluster.Settings settings = new Cluster.Settings(nodes, defaults.tickMillis(), defaults.electionTicks(),
                defaults.heartbeatTicks(), pick(plan, 1, 1, 2, 64), pick(plan, 1, 2, 8, 32),
                pick(plan, 0, 1, 3, 10), defaults.requestTimeoutMillis(), bugs,
                pick(plan, 5, 10, 20, 40, 1_000_000), pick(plan, 0, 2, 10), pick(plan, 64, 256, 1024),
                pick(plan, 1, 2, 4), pick(plan, 4, 16));
        Cluster cluster = new Cluster(seed, settings);
        cluster.driverBugs(driverBugs);
        cluster.checker().checkPreVotes(checkPreVotes);
        try {
            return execute(plan, cluster);
        } catch (RuntimeException | AssertionError e) {
            return result(cluster, "exception: " + e + " " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), 6)), 0);
        }
    }

    private Result execute(SplittableRandom plan, Cluster cluster) {
        List<ByteString> keys = new ArrayList<>();
        int keyCount = 2 + plan.nextInt(3);
        for (int i = 0; i < keyCount; i++) {
            keys.add(ByteString.copyFromUtf8("k" + i));
        }
        SimNetwork.Conditions chaos = new SimNetwork.Conditions(plan.nextDouble() * 0.15, plan.nextDouble() * 0.05,
                1, 2 + plan.nextInt(8), plan.nextDouble() * 0.1, 50 + plan.nextInt(200));
        cluster.network().setConditions(chaos);
        int clientCount = 2 + plan.nextInt(3);
        for (int i = 0; i < clientCount; i++) {
            cluster.addClient(keys, 8 + plan.nextInt(15));
        }
        // A client without a session in half the runs, drawn apart from the plan so that the
        // rest of each seed's schedule stays as it was.
        SplittableRandom sessionless = new SplittableRandom(seed ^ 0x5E55_1011_E55L);
        if (sessionless.nextBoolean()) {
            cluster.addClient(keys, 8 + sessionless.nextInt(15), false);
        }
        // Faults steered at what random schedules reach rarely, drawn apart from the plan too.
        SplittableRandom steer = new SplittableRandom(seed ^ 0x57EE_12ED_F4A7L);
        steerFaults(cluster, keys, steer);
        boolean probeDisruption = steer.nextInt(4) == 0;
        cluster.start();
        for (SimClient client : cluster.clients()) {
            cluster.queue().after(plan.nextInt(200), client::start);
        }

        long chaosMillis = 1500 + plan.nextInt(4000);
        FaultSchedule faults = new FaultSchedule(cluster, plan, chaosMillis);
        faults.plan();
        cluster.runFor(chaosMillis);
        if (cluster.checker().violation() != null) {
            return result(cluster, cluster.checker().violation(), 0);
        }

        // Heal: every link up, every node running, a calm network, disks that work.
        cluster.network().healAll();
        cluster.network().setConditions(SimNetwork.Conditions.CALM);
        cluster.network().delayVoteAnswers(0, 0, 0);
        cluster.setDiskFaults(Cluster.DiskFaults.NONE);
        cluster.nodes().stream().filter(n -> !n.isUp()).forEach(SimNode::start);
        long healedAt = cluster.queue().nowMillis();
        boolean served = cluster.runUntil(() -> cluster.clients().stream().allMatch(SimClient::done),
                healedAt + LIVENESS_BUDGET_MILLIS);
        if (cluster.checker().violation() != null) {
            return result(cluster, cluster.checker().violation(), 0);
        }
        if (!served) {
            StringBuilder pending = new StringBuilder();
            for (SimClient client : cluster.clients()) {
                pending.append(' ').append(client.id).append(": ").append(client.describeCurrent()).append(';');
            }
            return result(cluster, "liveness: clients not served within " + LIVENESS_BUDGET_MILLIS
                    + " ms after healing:" + pending + " leader=" + describe(cluster.leader()) + "; "
                    + describeNodes(cluster), 0);
        }

        // Read every key once more: a lost acknowledged write makes the history non-linearizable.
        SimClient verifier = cluster.addClient(keys, 0);
        verifier.start();
        for (ByteString key : keys) {
            cluster.runUntil(() -> !verifier.busy(), cluster.queue().nowMillis() + LIVENESS_BUDGET_MILLIS);
            verifier.readFinal(key);
        }
        if (!cluster.runUntil(() -> !verifier.busy(), cluster.queue().nowMillis() + LIVENESS_BUDGET_MILLIS)) {
            if (cluster.checker().violation() != null) {
                return result(cluster, cluster.checker().violation(), 0);
            }
            return result(cluster, "liveness: final reads not served: " + verifier.describeCurrent(), 0);
        }

        String divergence = checkReplicasConverge(cluster);
        if (divergence != null) {
            return result(cluster, divergence, 0);
        }
        if (probeDisruption) {
            String disruption = Disruption.probe(cluster, faults.membership, steer);
            if (disruption != null) {
                return result(cluster, disruption, 0);
            }
        }
        List<HistoryOp> history = new ArrayList<>();
        cluster.clients().forEach(c -> history.addAll(c.history()));
        String linearizability = HistoryCheck.check(history);
        return result(cluster, linearizability, history.size());
    }

    /**
     * Faults steered toward interleavings random schedules reach rarely: slow disks with
     * a long tail of sync times (a leader's own write still in flight when its followers
     * answer; a leader stalled past an election timeout), disks whose sync fails, answers
     * to (pre-)votes held back past the candidate's next timeout, and a read sent to
     * each new leader the moment it is elected.
     */
    private static void steerFaults(Cluster cluster, List<ByteString> keys, SplittableRandom steer) {
        int nodes = cluster.settings().nodes();
        int electionMillis = cluster.settings().electionTicks() * cluster.settings().tickMillis();
        String one = "n" + (1 + steer.nextInt(nodes));
        double tailRate = steer.nextInt(2) == 0 ? 0 : new double[] {0.02, 0.1, 0.3}[steer.nextInt(3)];
        int tailMax = new int[] {3 * electionMillis / 10, electionMillis, 2 * electionMillis + 50}[steer.nextInt(3)];
        double syncErrors = steer.nextInt(4) == 0 ? new double[] {0.002, 0.01, 0.03}[steer.nextInt(3)] : 0;
        cluster.setDiskFaults(new Cluster.DiskFaults(steer.nextBoolean() ? null : one, tailRate, 5, tailMax, syncErrors));
        if (steer.nextInt(3) == 0) {
            cluster.network().delayVoteAnswers(new double[] {0.1, 0.3, 0.6}[steer.nextInt(3)], electionMillis,
                    2 * electionMillis + 50);
        }
        if (steer.nextBoolean()) {
            cluster.readAfterElections(cluster.addClient(keys, 0, false), keys, steer.split());
        }
    }

    private static String checkReplicasConverge(Cluster cluster) {
        boolean caughtUp = cluster.runUntil(() -> {
            long commit = cluster.leader() == null ? -1 : cluster.leader().raft().commitIndex();
            return cluster.members().stream().allMatch(n -> n.appliedIndex() == commit);
        }, cluster.queue().nowMillis() + LIVENESS_BUDGET_MILLIS);
        if (cluster.checker().violation() != null) {
            return cluster.checker().violation();
        }
        if (!caughtUp) {
            return "liveness: replicas did not catch up with the leader's commit index: " + describeNodes(cluster);
        }
        List<SimNode> members = cluster.members();
        byte[] first = members.get(0).stateImage();
        for (SimNode node : members) {
            if (!Arrays.equals(first, node.stateImage())) {
                return "replicas diverged: " + node.id + "'s state differs from " + members.get(0).id
                        + "'s at applied index " + node.appliedIndex();
            }
        }
        return null;
    }

    static String describeNodes(Cluster cluster) {
        StringBuilder out = new StringBuilder();
        for (SimNode node : cluster.nodes()) {
            out.append(node.id).append('[');
            if (node.isUp()) {
                out.append(node.raft().role()).append(" term=").append(node.raft().term())
                        .append(" leader=").append(node.raft().leaderId())
                        .append(" commit=").append(node.raft().commitIndex())
                        .append(" last=").append(node.raft().lastIndex())
                        .append(" applied=").append(node.appliedIndex())
                        .append(" first=").append(node.raft().firstIndex())
                        .append(" voters=").append(node.raft().voters())
                        .append(" learners=").append(node.raft().learners())
                        .append(" progress=").append(node.raft().describeProgress());
            } else {
                out.append("down");
            }
            out.append("] ");
        }
        return out.toString();
    }

    private static String describe(SimNode node) {
        return node == null ? "none" : node.id + "@term" + node.raft().term();
    }

    private Result result(Cluster cluster, String failure, int operations) {
        return new Result(seed, cluster.settings().nodes(), failure, cluster.queue().steps(),
                cluster.queue().nowMillis(), cluster.queue().traceHash(), operations,
                cluster.network().delivered());
    }

    private static int pick(SplittableRandom random, int... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** The faults of the chaos period, drawn up front from the plan's random source. */
    static final class FaultSchedule {
        private final Cluster cluster;
        private final SplittableRandom random;
        private final long chaosMillis;
        final MembershipActions membership;

        FaultSchedule(Cluster cluster, SplittableRandom random, long chaosMillis) {
            this.cluster = cluster;
            this.random = random;
            this.chaosMillis = chaosMillis;
            this.membership = new MembershipActions(cluster);
        }

        void plan() {
            long t = 0;
            while (true) {
                t += 20 + random.nextInt(400);
                if (t >= chaosMillis) {
                    return;
                }
                int kind = random.nextInt(17);
                long seedOfAction = random.nextLong();
                cluster.queue().after(t, () -> act(kind, new SplittableRandom(seedOfAction)));
            }
        }

        private void act(int kind, SplittableRandom r) {
            List<String> ids = new ArrayList<>(cluster.nodeIds());
            SimNetwork network = cluster.network();
            switch (kind) {
                case 0 -> { // minority/majority split
                    Collections.shuffle(ids, new java.util.Random(r.nextLong()));
                    int cut = 1 + r.nextInt(ids.size() - 1);
                    network.healAll();
                    network.partition(ids.subList(0, cut), ids.subList(cut, ids.size()));
                }
                case 1 -> { // isolate the leader
                    SimNode leader = cluster.leader();
                    if (leader != null) {
                        ids.remove(leader.id);
                        network.partition(List.of(leader.id), ids);
                    }
                }
                case 2 -> { // one-way link failure
                    String from = ids.get(r.nextInt(ids.size()));
                    String to = ids.get(r.nextInt(ids.size()));
                    if (!from.equals(to)) {
                        network.cut(from, to);
                    }
                }
                case 3 -> network.healAll();
                case 4, 5 -> { // crash a node, restart it later
                    SimNode node = cluster.node(ids.get(r.nextInt(ids.size())));
                    node.crash();
                    cluster.queue().after(50 + r.nextInt(1500), () -> {
                        if (!node.isUp()) {
                            node.start();
                        }
                    });
                }
                case 6 -> { // a flapping node: its links go down and up a few times
                    String node = ids.get(r.nextInt(ids.size()));
                    long at = 0;
                    for (int i = 0; i < 6; i++) {
                        at += 20 + r.nextInt(60);
                        boolean down = i % 2 == 0;
                        cluster.queue().after(at, () -> {
                            for (String other : cluster.nodeIds()) {
                                if (other.equals(node)) {
                                    continue;
                                }
                                if (down) {
                                    network.cutBothWays(node, other);
                                } else {
                                    network.healAll();
                                }
                            }
                        });
                    }
                }
                case 7, 8 -> { // crash the leader, restart it later
                    SimNode leader = cluster.leader();
                    if (leader != null) {
                        leader.crash();
                        cluster.queue().after(50 + r.nextInt(800), () -> {
                            if (!leader.isUp()) {
                                leader.start();
                            }
                        });
                    }
                }
                case 9 -> cluster.churnLeadersUntil(cluster.queue().nowMillis() + 200 + r.nextInt(600), r.split());
                case 10, 11 -> { // a process pause (GC, stalled VM), the leader's or anyone's
                    SimNode leader = cluster.leader();
                    SimNode node = leader != null && r.nextBoolean() ? leader : cluster.node(ids.get(r.nextInt(ids.size())));
                    node.pause(50 + r.nextInt(800));
                }
                case 12 -> membership.addLearner(r.nextBoolean(), () -> { });
                case 13 -> membership.remove(r.nextInt(3) == 0, r);
                case 14 -> membership.replace(r);
                case 15 -> membership.transferLeadership(r);
                case 16 -> { // crash a node while a snapshot streams to it
                    for (SimNode node : cluster.nodes()) {
                        if (node.receivingSnapshot()) {
                            node.crash();
                            cluster.queue().after(50 + r.nextInt(500), () -> {
                                if (!node.isUp()) {
                                    node.start();
                                }
                            });
                            break;
                        }
                    }
                }
                default -> throw new IllegalStateException("no fault kind " + kind);
            }
        }
    }
}
