package dev.raftkv.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The original specification's test cases, as scenarios on a simulated cluster with
 * scripted faults. Each waits for conditions within a simulated deadline.
 */
class ScenarioTest {

    private static final long SEED = 42;
    private static final ByteString KEY = ByteString.copyFromUtf8("counter");

    private static Cluster cluster(int nodes) {
        Cluster cluster = new Cluster(SEED, Cluster.Settings.defaults(nodes));
        cluster.start();
        return cluster;
    }

    private static SimNode awaitLeader(Cluster cluster) {
        assertThat(cluster.runUntil(cluster::hasStableLeader, cluster.queue().nowMillis() + 5_000))
                .as("a leader is elected within 5 s: %s", Simulation.describeNodes(cluster)).isTrue();
        return cluster.leader();
    }

    private static SimClient client(Cluster cluster) {
        SimClient client = cluster.addClient(List.of(KEY), 0);
        client.start();
        return client;
    }

    private static void await(Cluster cluster, SimClient client) {
        assertThat(cluster.runUntil(client::done, cluster.queue().nowMillis() + 10_000))
                .as("client served: %s; violation: %s", client.describeCurrent(), cluster.checker().violation()).isTrue();
        assertThat(cluster.checker().violation()).isNull();
    }

    private static List<SimClient.Scripted> puts(String prefix, int count) {
        List<SimClient.Scripted> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(new SimClient.Scripted(HistoryOp.Kind.PUT, ByteString.copyFromUtf8(prefix + i),
                    ByteString.copyFromUtf8("v" + i), 0));
        }
        return ops;
    }

    private static List<SimClient.Scripted> adds(int count) {
        List<SimClient.Scripted> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(new SimClient.Scripted(HistoryOp.Kind.ADD, KEY, null, 1));
        }
        return ops;
    }

    private static void awaitSameState(Cluster cluster) {
        boolean converged = cluster.runUntil(() -> {
            SimNode leader = cluster.leader();
            return leader != null && cluster.nodes().stream()
                    .allMatch(n -> n.isUp() && n.appliedIndex() == leader.raft().commitIndex());
        }, cluster.queue().nowMillis() + 10_000);
        assertThat(converged).as("all replicas caught up: %s", Simulation.describeNodes(cluster)).isTrue();
        byte[] image = cluster.nodes().get(0).stateImage();
        for (SimNode node : cluster.nodes()) {
            assertThat(node.stateImage()).as("state of %s", node.id).isEqualTo(image);
        }
    }

    @Test
    void leader_election_elects_exactly_one_leader_that_all_nodes_follow() {
        Cluster cluster = cluster(5);
        SimNode leader = awaitLeader(cluster);
        cluster.runFor(1_000);

        assertThat(cluster.nodes()).filteredOn(n -> n.raft().role() == Role.LEADER).containsExactly(leader);
        assertThat(cluster.nodes()).allSatisfy(n -> {
            assertThat(n.raft().leaderId()).isEqualTo(leader.id);
            assertThat(n.raft().term()).isEqualTo(leader.raft().term());
        });
        assertThat(cluster.checker().violation()).isNull();
    }

    @Test
    void leader_failure_and_recovery_elects_a_new_leader_and_the_old_one_rejoins_as_follower() {
        Cluster cluster = cluster(5);
        SimNode first = awaitLeader(cluster);
        SimClient client = client(cluster);
        client.perform(puts("before", 5));
        await(cluster, client);

        long firstTerm = first.raft().term();
        first.crash();
        SimNode second = awaitLeader(cluster);
        assertThat(second).isNotSameAs(first);
        assertThat(second.raft().term()).isGreaterThan(firstTerm);
        client.perform(puts("after", 5));
        await(cluster, client);

        first.start();
        awaitSameState(cluster);
        assertThat(first.raft().role()).isEqualTo(Role.FOLLOWER);
        assertThat(first.raft().leaderId()).isEqualTo(second.id);
        assertThat(first.stateMachine().get(ByteString.copyFromUtf8("after4")))
                .contains(ByteString.copyFromUtf8("v4"));
    }

    @Test
    void follower_catch_up_after_downtime_replays_everything_it_missed() {
        Cluster cluster = cluster(3);
        SimNode leader = awaitLeader(cluster);
        SimNode follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.crash();

        SimClient client = client(cluster);
        client.perform(puts("missed", 40));
        await(cluster, client);
        assertThat(leader.raft().commitIndex()).isGreaterThan(40);

        follower.start();
        awaitSameState(cluster);
        assertThat(follower.stateMachine().size()).isEqualTo(40);
    }

    @Test
    void network_partition_a_minority_leader_cannot_commit_and_healing_converges_without_disruption() {
        Cluster cluster = cluster(5);
        SimNode oldLeader = awaitLeader(cluster);
        List<String> minority = new ArrayList<>(List.of(oldLeader.id));
        List<String> majority = new ArrayList<>(cluster.nodeIds());
        majority.remove(oldLeader.id);
        minority.add(majority.remove(0));
        cluster.network().partition(minority, majority);
        long commitBefore = oldLeader.raft().commitIndex();

        // A write sent to the minority leader is appended but never committed there.
        SimClient stuck = client(cluster);
        stuck.preferNode(oldLeader.id);
        cluster.runUntil(() -> stuck.done(), cluster.queue().nowMillis() + 2_000);
        stuck.perform(puts("minority", 1));
        cluster.runFor(150);
        assertThat(oldLeader.raft().commitIndex()).as("the minority side commits nothing").isEqualTo(commitBefore);

        // The majority elects a new leader and commits.
        boolean newLeader = cluster.runUntil(() -> {
            SimNode l = cluster.leader();
            return l != null && majority.contains(l.id);
        }, cluster.queue().nowMillis() + 5_000);
        assertThat(newLeader).isTrue();
        SimNode majorityLeader = cluster.leader();
        SimClient client = client(cluster);
        client.preferNode(majorityLeader.id);
        client.perform(puts("majority", 3));
        await(cluster, client);
        assertThat(cluster.node(minority.get(1)).raft().commitIndex()).isEqualTo(commitBefore);

        // Healing: the old leader follows; the majority's leader keeps its term (no disruption).
        long term = majorityLeader.raft().term();
        cluster.network().healAll();
        awaitSameState(cluster);
        cluster.runFor(2_000);
        assertThat(cluster.leader()).isSameAs(majorityLeader);
        assertThat(majorityLeader.raft().term()).as("rejoining nodes do not raise the term").isEqualTo(term);
        assertThat(oldLeader.raft().role()).isEqualTo(Role.FOLLOWER);
        await(cluster, stuck);
        assertThat(cluster.checker().violation()).isNull();
    }

    @Test
    void split_vote_resolution_no_half_elects_a_leader_and_after_healing_exactly_one_wins() {
        Cluster cluster = cluster(4);
        SimNode leader = awaitLeader(cluster);
        List<String> half = new ArrayList<>(List.of(leader.id));
        List<String> other = new ArrayList<>(cluster.nodeIds());
        other.remove(leader.id);
        half.add(other.remove(0));
        cluster.network().partition(half, other);
        // 2 of 4 votes is no majority: the leader steps down (CheckQuorum), nobody wins.
        cluster.runFor(3_000);
        assertThat(cluster.nodes()).noneMatch(n -> n.raft().role() == Role.LEADER);

        cluster.network().healAll();
        SimNode winner = awaitLeader(cluster);
        cluster.runFor(1_000);
        assertThat(cluster.nodes()).filteredOn(n -> n.raft().role() == Role.LEADER).containsExactly(winner);
        assertThat(cluster.checker().violation()).isNull();
    }

    @Test
    void client_operations_distributed_addition_through_a_follower_with_retries_applies_each_add_once() {
        Cluster cluster = cluster(3);
        SimNode leader = awaitLeader(cluster);
        String follower = cluster.nodeIds().stream().filter(id -> !id.equals(leader.id)).findFirst().orElseThrow();
        // A lossy network: requests and answers go missing, clients time out and retry.
        cluster.network().setConditions(new SimNetwork.Conditions(0.2, 0.05, 1, 5, 0.1, 300));
        List<SimClient> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SimClient client = client(cluster);
            client.preferNode(follower);
            client.perform(adds(10));
            clients.add(client);
        }
        assertThat(cluster.runUntil(() -> clients.stream().allMatch(SimClient::done),
                cluster.queue().nowMillis() + 60_000)).isTrue();
        cluster.network().setConditions(SimNetwork.Conditions.CALM);
        awaitSameState(cluster);

        assertThat(clients.stream().mapToInt(SimClient::retries).sum()).as("some attempts were retried").isPositive();
        for (SimNode node : cluster.nodes()) {
            assertThat(node.stateMachine().get(KEY)).as("counter on %s", node.id)
                    .isEqualTo(Optional.of(ByteString.copyFromUtf8("30")));
        }
        List<HistoryOp> history = new ArrayList<>();
        clients.forEach(c -> history.addAll(c.history()));
        assertThat(HistoryCheck.check(history)).isNull();
    }
}
