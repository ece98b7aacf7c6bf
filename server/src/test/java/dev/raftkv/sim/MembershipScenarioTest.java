package dev.raftkv.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.raft.RefusedException;
import dev.raftkv.raft.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshots, log compaction, membership changes and leadership transfer, as scenarios
 * on a simulated cluster whose nodes snapshot every 20 applied entries. Each waits
 * for conditions within a simulated deadline.
 */
class MembershipScenarioTest {

    private static final long SEED = 7;

    private static Cluster cluster(int nodes, int tailEntries) {
        Cluster cluster = new Cluster(SEED, Cluster.Settings.defaults(nodes).withSnapshots(20, tailEntries, 256, 2));
        cluster.start();
        return cluster;
    }

    private static SimNode awaitLeader(Cluster cluster) {
        assertThat(cluster.runUntil(cluster::hasStableLeader, cluster.queue().nowMillis() + 5_000))
                .as("a leader is elected within 5 s: %s", Simulation.describeNodes(cluster)).isTrue();
        return cluster.leader();
    }

    private static void write(Cluster cluster, String prefix, int count) {
        SimClient client = cluster.addClient(List.of(ByteString.copyFromUtf8("unused")), 0);
        client.start();
        List<SimClient.Scripted> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(new SimClient.Scripted(HistoryOp.Kind.PUT, ByteString.copyFromUtf8(prefix + i),
                    ByteString.copyFromUtf8("v" + i), 0));
        }
        client.perform(ops);
        assertThat(cluster.runUntil(client::done, cluster.queue().nowMillis() + 30_000))
                .as("writes served: %s; violation: %s", client.describeCurrent(), cluster.checker().violation()).isTrue();
    }

    private static void awaitMembersConverge(Cluster cluster) {
        boolean converged = cluster.runUntil(() -> {
            SimNode leader = cluster.leader();
            return leader != null && !leader.raft().isConfChangePending() && cluster.members().stream()
                    .allMatch(n -> n.isUp() && n.appliedIndex() == leader.raft().commitIndex());
        }, cluster.queue().nowMillis() + 10_000);
        assertThat(converged).as("members caught up: %s", Simulation.describeNodes(cluster)).isTrue();
        byte[] image = cluster.members().get(0).stateImage();
        for (SimNode node : cluster.members()) {
            assertThat(node.stateImage()).as("state of %s", node.id).isEqualTo(image);
        }
        assertThat(cluster.checker().violation()).isNull();
    }

    private static boolean propose(SimNode leader, ConfChangeType type, String id) {
        return leader.proposeConfChange(MembershipActions.change(type, id));
    }

    @Test
    void a_learner_joins_a_cluster_holding_many_keys_by_snapshot_and_is_promoted_once_caught_up() {
        Cluster cluster = cluster(3, 5);
        write(cluster, "key", 200);
        SimNode leader = cluster.leader();
        assertThat(leader.raft().firstIndex()).as("the leader compacted its log").isGreaterThan(100);

        SimNode learner = cluster.addNode();
        assertThat(propose(leader, ConfChangeType.CONF_CHANGE_ADD_LEARNER, learner.id)).isTrue();
        assertThat(cluster.runUntil(() -> learner.appliedIndex() == leader.raft().commitIndex(),
                cluster.queue().nowMillis() + 10_000)).isTrue();
        assertThat(learner.snapshotsInstalled()).isPositive();
        assertThat(learner.stateMachine().size()).isEqualTo(200);
        assertThat(learner.raft().role()).isEqualTo(Role.FOLLOWER);

        assertThat(propose(leader, ConfChangeType.CONF_CHANGE_PROMOTE, learner.id)).isTrue();
        awaitMembersConverge(cluster);
        assertThat(leader.raft().voters()).contains(learner.id);
        assertThat(learner.raft().voters()).contains(learner.id);
        assertThat(learner.stateMachine().confState().getVotersList()).contains(learner.id);
    }

    @Test
    void a_follower_offline_through_two_compactions_catches_up_by_snapshot() {
        Cluster cluster = cluster(3, 0);
        SimNode leader = awaitLeader(cluster);
        SimNode follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        long lastBefore = follower.raft().lastIndex();
        follower.crash();

        write(cluster, "missed", 60);
        assertThat(leader.raft().latestSnapshot().getIndex()).as("two snapshots at least").isGreaterThanOrEqualTo(40);
        assertThat(leader.raft().firstIndex()).isGreaterThan(lastBefore + 1);

        follower.start();
        awaitMembersConverge(cluster);
        assertThat(follower.snapshotsInstalled()).isPositive();
        assertThat(follower.stateMachine().size()).isEqualTo(60);
    }

    /**
     * Seed 67075 of the soak: a follower accepted a newer snapshot while a batch of its
     * was still being written, and before the core handed that snapshot back to install,
     * a late copy of an older snapshot from the same leader completed too (a resent
     * stream). The core ignores the older one (its index is committed), so the driver
     * must still hold the newer file when the core asks for it.
     */
    @Test
    void a_late_older_snapshot_does_not_replace_the_newer_one_the_core_waits_to_install() {
        Cluster cluster = cluster(3, 0);
        SimNode leader = awaitLeader(cluster);
        SimNode follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        List<String> others = new ArrayList<>(cluster.nodeIds());
        others.remove(follower.id);
        cluster.network().partition(List.of(follower.id), others);
        write(cluster, "a", 25);
        StoredSnapshot older = leader.snapshot();
        write(cluster, "b", 25);
        StoredSnapshot newer = leader.snapshot();
        assertThat(cluster.leader()).isSameAs(leader);
        assertThat(older.index()).isGreaterThan(follower.raft().commitIndex());
        assertThat(newer.index()).isGreaterThan(older.index());

        long term = leader.raft().term();
        // A heartbeat leaves a batch of the follower's waiting for its disk (the answer
        // goes out once it is durable); what arrives meanwhile waits for the next batch.
        follower.receive(Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setFrom(leader.id)
                .setTo(follower.id).setTerm(term).build());
        follower.receiveChunk(wholeSnapshot(leader.id, term, newer));
        follower.receiveChunk(wholeSnapshot(leader.id, term, older));
        cluster.runFor(50);

        assertThat(cluster.checker().violation()).isNull();
        assertThat(follower.snapshotsInstalled()).isEqualTo(1);
        assertThat(follower.appliedIndex()).isEqualTo(newer.index());
        cluster.network().healAll();
        awaitMembersConverge(cluster);
        assertThat(follower.stateMachine().size()).isEqualTo(50);
    }

    private static SnapshotChunk wholeSnapshot(String from, long term, StoredSnapshot snapshot) {
        return SnapshotChunk.newBuilder().setFrom(from).setTerm(term).setMeta(snapshot.meta()).setOffset(0)
                .setTotalBytes(snapshot.data().length).setData(ByteString.copyFrom(snapshot.data())).setLast(true)
                .setCrc32C(snapshot.crc32c()).build();
    }

    @Test
    void removing_the_leader_makes_it_step_down_once_the_change_commits_and_the_rest_go_on() {
        Cluster cluster = cluster(3, 5);
        write(cluster, "before", 5);
        SimNode old = cluster.leader();

        assertThat(propose(old, ConfChangeType.CONF_CHANGE_REMOVE, old.id)).isTrue();
        assertThat(cluster.runUntil(() -> cluster.leader() != null && cluster.leader() != old
                && cluster.hasStableLeader(), cluster.queue().nowMillis() + 5_000)).isTrue();
        SimNode next = cluster.leader();
        assertThat(next.raft().voters()).hasSize(2).doesNotContain(old.id);
        assertThat(old.raft().role()).isEqualTo(Role.FOLLOWER);

        write(cluster, "after", 5);
        cluster.runFor(3_000);
        assertThat(old.raft().role()).as("a removed node never campaigns").isEqualTo(Role.FOLLOWER);
        awaitMembersConverge(cluster);
        assertThat(cluster.members()).doesNotContain(old);
    }

    @Test
    void leadership_moves_to_a_caught_up_voter_and_is_refused_for_a_lagging_one() {
        Cluster cluster = cluster(3, 5);
        write(cluster, "k", 5);
        SimNode leader = cluster.leader();
        List<SimNode> followers = cluster.nodes().stream().filter(n -> n != leader).toList();
        SimNode target = followers.get(0);
        SimNode lagging = followers.get(1);
        long term = leader.raft().term();

        leader.transferLeadership(target.id);
        assertThat(cluster.runUntil(() -> cluster.leader() == target && cluster.hasStableLeader(),
                cluster.queue().nowMillis() + 2_000)).isTrue();
        assertThat(target.raft().term()).as("one election, no pre-vote round").isEqualTo(term + 1);

        lagging.crash();
        write(cluster, "more", 30);
        assertThatThrownBy(() -> target.raft().transferLeadership(lagging.id))
                .isInstanceOfSatisfying(RefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusedException.Reason.TARGET_LAGGING))
                .hasMessageContaining("behind");
        assertThat(cluster.leader()).isSameAs(target);
    }

    @Test
    void a_voter_is_replaced_while_a_snapshot_install_is_cut_short_by_a_crash() {
        Cluster cluster = cluster(3, 0);
        write(cluster, "key", 100);
        SimNode leader = cluster.leader();
        SimNode joiner = cluster.addNode();
        assertThat(propose(leader, ConfChangeType.CONF_CHANGE_ADD_LEARNER, joiner.id)).isTrue();
        assertThat(cluster.runUntil(joiner::receivingSnapshot, cluster.queue().nowMillis() + 5_000)).isTrue();
        joiner.crash();
        cluster.runFor(200);
        joiner.start();
        assertThat(cluster.runUntil(() -> joiner.appliedIndex() == leader.raft().commitIndex(),
                cluster.queue().nowMillis() + 10_000)).isTrue();

        assertThat(propose(leader, ConfChangeType.CONF_CHANGE_PROMOTE, joiner.id)).isTrue();
        String retired = cluster.nodes().stream().filter(n -> n != leader && n != joiner).findFirst().orElseThrow().id;
        assertThatThrownBy(() -> propose(leader, ConfChangeType.CONF_CHANGE_REMOVE, retired))
                .as("one change at a time").isInstanceOf(RefusedException.class);
        assertThat(cluster.runUntil(() -> !leader.raft().isConfChangePending(), cluster.queue().nowMillis() + 5_000))
                .isTrue();
        assertThat(propose(leader, ConfChangeType.CONF_CHANGE_REMOVE, retired)).isTrue();
        awaitMembersConverge(cluster);
        assertThat(leader.raft().voters()).containsExactlyInAnyOrder(leader.id, joiner.id,
                cluster.nodes().stream().filter(n -> n != leader && n != joiner && !n.id.equals(retired))
                        .findFirst().orElseThrow().id);
    }

    @Test
    void a_learner_is_promoted_through_the_next_leader_once_it_has_committed_an_entry_of_its_term() {
        Cluster cluster = cluster(3, 5);
        write(cluster, "key", 30);
        SimNode first = cluster.leader();
        SimNode learner = cluster.addNode();
        assertThat(propose(first, ConfChangeType.CONF_CHANGE_ADD_LEARNER, learner.id)).isTrue();
        assertThat(cluster.runUntil(() -> !first.raft().isConfChangePending(), cluster.queue().nowMillis() + 5_000))
                .isTrue();

        first.crash();
        SimNode next = awaitLeader(cluster);
        assertThat(next).isNotSameAs(first);
        assertThat(next.raft().learners()).containsExactly(learner.id);
        assertThat(cluster.runUntil(() -> tryPromote(next, learner.id), cluster.queue().nowMillis() + 5_000)).isTrue();
        first.start();

        awaitMembersConverge(cluster);
        assertThat(next.raft().voters()).hasSize(4).contains(learner.id);
        assertThat(first.raft().voters()).hasSize(4).contains(learner.id);
    }

    private static boolean tryPromote(SimNode leader, String id) {
        try {
            return propose(leader, ConfChangeType.CONF_CHANGE_PROMOTE, id);
        } catch (RefusedException notYet) {
            return false;
        }
    }
}
