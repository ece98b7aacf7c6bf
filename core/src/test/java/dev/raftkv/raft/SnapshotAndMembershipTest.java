package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.RefusedException.Reason;
import dev.raftkv.storage.InMemoryLogStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Engine tests of snapshots (§7), membership changes (thesis §4.1) and leadership
 * transfer (thesis §3.10): feed one core inputs, inspect its batches.
 */
class SnapshotAndMembershipTest {

    private static final List<String> THREE = List.of("a", "b", "c");

    private final List<Message> sent = new ArrayList<>();
    private final List<Entry> applied = new ArrayList<>();

    private static RaftConfig config(String id, List<String> voters) {
        return RaftConfig.defaults(id, voters, new SplittableRandom(7)).withTicks(10, 1).withMaxCatchUpLagEntries(2);
    }

    private void drain(RaftNode node, InMemoryLogStore store) {
        while (node.hasReady()) {
            Ready ready = node.ready();
            sent.addAll(ready.messages());
            if (ready.snapshot() != null) {
                store.reset(ready.snapshot().getIndex(), ready.snapshot().getTerm());
            }
            store.append(ready.entries());
            if (ready.hardState() != null) {
                store.setHardState(ready.hardState());
            }
            sent.addAll(ready.messagesAfterPersist());
            applied.addAll(ready.committedEntries());
            node.advance(ready);
        }
    }

    private List<Message> take(MessageType type, String to) {
        List<Message> result = sent.stream().filter(m -> m.getType() == type && m.getTo().equals(to)).toList();
        sent.removeAll(result);
        return result;
    }

    private static Message.Builder msg(MessageType type, String from, String to, long term) {
        return Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term);
    }

    private static ConfChange change(ConfChangeType type, String id) {
        return ConfChange.newBuilder().setType(type).setNodeId(id).build();
    }

    private static ConfState conf(List<String> voters, List<String> learners) {
        return ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners).build();
    }

    /** "a" leads term 1 of {a, b, c}; with {@code acked}, b has acknowledged its no-op, so it is committed. */
    private RaftNode leader(InMemoryLogStore store, List<String> voters, boolean acked) {
        RaftNode a = new RaftNode(config("a", voters), store);
        for (int i = 0; i < 20 && a.role() == Role.FOLLOWER; i++) {
            a.tick();
        }
        drain(a, store);
        if (voters.size() > 1) {
            a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 1).build());
            drain(a, store);
            a.step(msg(MessageType.MSG_VOTE_RESPONSE, "b", "a", 1).build());
            drain(a, store);
        }
        assertThat(a.role()).isEqualTo(Role.LEADER);
        if (acked && voters.size() > 1) {
            ack(a, store, "b");
        }
        sent.clear();
        return a;
    }

    private void ack(RaftNode leader, InMemoryLogStore store, String from) {
        leader.step(msg(MessageType.MSG_APPEND_RESPONSE, from, "a", leader.term()).setIndex(leader.lastIndex()).build());
        drain(leader, store);
    }

    private static void assertRefused(Runnable request, Reason reason) {
        assertThatThrownBy(request::run).isInstanceOfSatisfying(RefusedException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void a_follower_whose_next_entry_was_compacted_is_sent_the_snapshot_and_no_appends_until_it_ends() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        a.propose(Collections.nCopies(10, ByteString.copyFromUtf8("x")));
        drain(a, store);
        ack(a, store, "b");
        assertThat(a.commitIndex()).isEqualTo(11);
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(11).setTerm(1).build();
        a.snapshotTaken(meta);
        store.compact(11);
        sent.clear();

        a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "c", "a", 1).build());
        drain(a, store);
        assertThat(take(MessageType.MSG_SNAPSHOT, "c")).singleElement()
                .satisfies(m -> assertThat(m.getSnapshot()).isEqualTo(meta));

        a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "c", "a", 1).build());
        a.tick();
        drain(a, store);
        assertThat(take(MessageType.MSG_APPEND, "c")).as("no appends while the snapshot streams").isEmpty();

        a.reportSnapshot("c", true);
        drain(a, store);
        assertThat(take(MessageType.MSG_APPEND, "c")).first().satisfies(m -> assertThat(m.getIndex()).isEqualTo(11));
    }

    @Test
    void a_follower_installs_a_newer_snapshot_with_its_configuration_and_answers_an_older_one_with_its_commit() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = new RaftNode(config("b", THREE), store);
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(20).setTerm(1)
                .setConf(conf(THREE, List.of("d"))).build();

        b.step(msg(MessageType.MSG_SNAPSHOT, "a", "b", 1).setSnapshot(meta).build());
        Ready ready = b.ready();

        assertThat(ready.snapshot()).isEqualTo(meta);
        assertThat(ready.mustSync()).isTrue();
        assertThat(ready.confState()).isEqualTo(meta.getConf());
        assertThat(ready.committedEntries()).isEmpty();
        assertThat(ready.messages()).isEmpty();
        assertThat(ready.messagesAfterPersist()).singleElement()
                .satisfies(m -> assertThat(m.getIndex()).isEqualTo(20));
        store.reset(20, 1);
        store.setHardState(ready.hardState());
        b.advance(ready);
        assertThat(b.firstIndex()).isEqualTo(21);
        assertThat(b.commitIndex()).isEqualTo(20);
        assertThat(b.learners()).containsExactly("d");

        b.step(msg(MessageType.MSG_SNAPSHOT, "a", "b", 1)
                .setSnapshot(SnapshotMeta.newBuilder().setIndex(10).setTerm(1)).build());
        Ready stale = b.ready();
        assertThat(stale.snapshot()).isNull();
        assertThat(stale.messagesAfterPersist()).singleElement()
                .satisfies(m -> assertThat(m.getIndex()).as("its commit index").isEqualTo(20));
    }

    @Test
    void a_restarted_node_takes_the_snapshots_configuration_changed_by_the_entries_after_it() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.reset(20, 2);
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(20).setTerm(2)
                .setConf(conf(List.of("a", "b", "c", "d"), List.of())).build();
        assertThat(new RaftNode(config("b", THREE).withAppliedIndex(20), store, meta).voters())
                .containsExactlyInAnyOrder("a", "b", "c", "d");

        store.append(List.of(Entry.newBuilder().setIndex(21).setTerm(2).setType(EntryType.ENTRY_CONFIG)
                .setData(conf(List.of("b", "c", "d"), List.of("e")).toByteString()).build()));
        RaftNode restarted = new RaftNode(config("b", THREE).withAppliedIndex(20), store, meta);
        assertThat(restarted.voters()).containsExactlyInAnyOrder("b", "c", "d");
        assertThat(restarted.learners()).containsExactly("e");
        assertThat(restarted.isConfChangePending()).isTrue();
    }

    @Test
    void a_restart_after_saving_a_received_snapshot_but_before_resetting_the_log_hands_the_snapshot_out_again() {
        InMemoryLogStore store = new InMemoryLogStore();
        SnapshotMeta meta = SnapshotMeta.newBuilder().setIndex(30).setTerm(3).build();

        RaftNode restarted = new RaftNode(config("b", THREE).withAppliedIndex(30), store, meta);

        assertThat(restarted.firstIndex()).isEqualTo(31);
        assertThat(restarted.ready().snapshot()).isEqualTo(meta);
    }

    @Test
    void membership_requests_are_refused_clearly() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, false);
        assertRefused(() -> a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_ADD_LEARNER, "d")),
                Reason.LEADER_NOT_READY);
        ack(a, store, "b");

        assertRefused(() -> a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_ADD_LEARNER, "b")),
                Reason.ALREADY_MEMBER);
        assertRefused(() -> a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE, "z")), Reason.NOT_A_MEMBER);
        assertRefused(() -> a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_PROMOTE, "b")), Reason.NOT_A_LEARNER);
        assertRefused(() -> a.proposeConfChange(ConfChange.getDefaultInstance()), Reason.INVALID);

        a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_ADD_LEARNER, "d"));
        assertThat(a.learners()).as("in force once appended").containsExactly("d");
        assertRefused(() -> a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE, "c")), Reason.CHANGE_PENDING);
        drain(a, store);
        ack(a, store, "b");
        assertThat(a.isConfChangePending()).isFalse();

        a.propose(Collections.nCopies(5, ByteString.EMPTY));
        drain(a, store);
        assertRefused(() -> a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_PROMOTE, "d")), Reason.TARGET_LAGGING);
        assertRefused(() -> a.transferLeadership("d"), Reason.NOT_A_VOTER);
        assertRefused(() -> a.transferLeadership("c"), Reason.TARGET_LAGGING);

        InMemoryLogStore soloStore = new InMemoryLogStore();
        RaftNode solo = new RaftNode(config("a", List.of("a")), soloStore);
        for (int i = 0; i < 20 && solo.role() != Role.LEADER; i++) {
            solo.tick();
        }
        drain(solo, soloStore);
        assertRefused(() -> solo.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE, "a")), Reason.LAST_VOTER);
    }

    @Test
    void a_learner_is_replicated_to_but_never_counts_for_a_majority() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_ADD_LEARNER, "d"));
        drain(a, store);
        ack(a, store, "b");
        long before = a.commitIndex();
        a.propose(List.of(ByteString.EMPTY));
        drain(a, store);
        assertThat(take(MessageType.MSG_APPEND, "d")).isNotEmpty();

        ack(a, store, "d");

        assertThat(a.commitIndex()).as("a and d are no majority of {a, b, c}").isEqualTo(before);
        ack(a, store, "b");
        assertThat(a.commitIndex()).isEqualTo(a.lastIndex());
    }

    @Test
    void a_removed_leader_steps_down_once_the_change_commits_and_hands_over_to_a_caught_up_voter() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        Proposal removal = a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE, "a"));
        drain(a, store);
        assertThat(a.voters()).containsExactlyInAnyOrder("b", "c");
        assertThat(a.role()).as("it leads until the change commits").isEqualTo(Role.LEADER);

        ack(a, store, "b");
        assertThat(a.commitIndex()).as("b alone is no majority of {b, c}").isLessThan(removal.firstIndex());
        ack(a, store, "c");

        assertThat(a.role()).isEqualTo(Role.FOLLOWER);
        assertThat(take(MessageType.MSG_TIMEOUT_NOW, "b")).hasSize(1);
        for (int i = 0; i < 50; i++) {
            a.tick();
        }
        assertThat(a.role()).as("a removed node never campaigns").isEqualTo(Role.FOLLOWER);
    }

    @Test
    void timeout_now_makes_the_target_campaign_at_once_and_voters_grant_despite_a_live_leader() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = new RaftNode(config("b", THREE), store);
        b.step(msg(MessageType.MSG_HEARTBEAT, "a", "b", 1).build());
        drain(b, store);

        b.step(msg(MessageType.MSG_TIMEOUT_NOW, "a", "b", 1).build());
        drain(b, store);

        assertThat(b.role()).as("no pre-vote").isEqualTo(Role.CANDIDATE);
        Message vote = take(MessageType.MSG_VOTE, "c").get(0);
        assertThat(vote.getLeaderTransfer()).isTrue();

        InMemoryLogStore cStore = new InMemoryLogStore();
        RaftNode c = new RaftNode(config("c", THREE), cStore);
        c.step(msg(MessageType.MSG_HEARTBEAT, "a", "c", 1).build());
        drain(c, cStore);
        c.step(vote.toBuilder().clearLeaderTransfer().build());
        drain(c, cStore);
        assertThat(take(MessageType.MSG_VOTE_RESPONSE, "b")).as("stickiness ignores an ordinary vote").isEmpty();
        c.step(vote);
        drain(c, cStore);
        assertThat(take(MessageType.MSG_VOTE_RESPONSE, "b")).singleElement()
                .satisfies(m -> assertThat(m.getReject()).isFalse());
    }

    @Test
    void a_leader_handing_over_refuses_proposals_until_the_transfer_times_out() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        a.transferLeadership("b");
        drain(a, store);
        assertThat(take(MessageType.MSG_TIMEOUT_NOW, "b")).hasSize(1);
        assertRefused(() -> a.propose(List.of(ByteString.EMPTY)), Reason.TRANSFER_IN_PROGRESS);

        for (int i = 0; i < 10; i++) {
            a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "b", "a", 1).build());
            a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "c", "a", 1).build());
            a.tick();
        }

        assertThat(a.leadTransferee()).isNull();
        assertThat(a.propose(List.of(ByteString.EMPTY)).term()).isEqualTo(1);
    }

    @Test
    void a_configuration_is_in_force_once_appended_and_undone_when_a_new_leader_replaces_its_entry() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = new RaftNode(config("b", THREE), store);
        Entry noop = Entry.newBuilder().setIndex(1).setTerm(1).setType(EntryType.ENTRY_NOOP).build();
        Entry addD = Entry.newBuilder().setIndex(2).setTerm(1).setType(EntryType.ENTRY_CONFIG)
                .setData(conf(THREE, List.of("d")).toByteString()).build();
        b.step(msg(MessageType.MSG_APPEND, "a", "b", 1).setIndex(0).addEntries(noop).addEntries(addD).build());
        Ready ready = b.ready();
        assertThat(ready.confState().getLearnersList()).containsExactly("d");
        assertThat(b.learners()).as("in force before it commits").containsExactly("d");
        store.append(ready.entries());
        store.setHardState(ready.hardState());
        b.advance(ready);

        Entry replacement = Entry.newBuilder().setIndex(2).setTerm(2).setType(EntryType.ENTRY_NOOP).build();
        b.step(msg(MessageType.MSG_APPEND, "c", "b", 2).setIndex(1).setLogTerm(1).addEntries(replacement).build());

        assertThat(b.learners()).as("back to the configuration before the replaced entry").isEmpty();
        assertThat(b.ready().confState()).isEqualTo(conf(THREE, List.of()));
    }

    private static Entry configEntry(long index, long term, ConfState conf) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_CONFIG)
                .setData(conf.toByteString()).build();
    }

    private static dev.raftkv.proto.Member address(String id) {
        return dev.raftkv.proto.Member.newBuilder().setId(id).setPeerAddress(id + ":7000")
                .setClientAddress(id + ":8000").build();
    }

    @Test
    void a_configuration_change_carries_the_address_of_every_member_the_leader_knows() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        ConfChange addD = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER).setNodeId("d")
                .setPeerAddress("d:7001").build();

        a.proposeConfChange(addD, List.of(address("a"), address("b"), address("c"), address("d"), address("x")));

        assertThat(a.confState().getMembersList()).as("d keeps its own address; x is no member")
                .extracting(m -> m.getId() + "=" + m.getPeerAddress())
                .containsExactlyInAnyOrder("a=a:7000", "b=b:7000", "c=c:7000", "d=d:7001");
    }

    @Test
    void a_removed_node_that_reached_a_higher_term_while_it_was_paused_does_not_depose_the_leader() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        Proposal removeC = a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE, "c"));
        drain(a, store);
        ack(a, store, "b");
        assertThat(a.commitIndex()).isGreaterThanOrEqualTo(removeC.firstIndex());
        sent.clear();

        // c answers appends it got before its removal, from a term it reached by itself meanwhile.
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "c", "a", a.term() + 1).setReject(true).build());
        drain(a, store);

        assertThat(a.role()).isEqualTo(Role.LEADER);
        assertThat(a.term()).isEqualTo(1);
        assertThat(take(MessageType.MSG_REMOVED, "c")).hasSize(1);
    }

    @Test
    void a_member_tells_a_node_its_committed_configuration_left_out_that_it_was_removed_and_that_node_stops_campaigning() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = leader(store, THREE, true);
        Proposal removeC = a.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE, "c"));
        drain(a, store);
        Message preVote = msg(MessageType.MSG_PRE_VOTE, "c", "a", 2).setIndex(1).setLogTerm(1).build();
        a.step(preVote);
        drain(a, store);
        assertThat(take(MessageType.MSG_REMOVED, "c")).as("not while the removal is uncommitted").isEmpty();
        ack(a, store, "b");
        assertThat(a.commitIndex()).isGreaterThanOrEqualTo(removeC.firstIndex());

        a.step(preVote);
        drain(a, store);

        Message notice = take(MessageType.MSG_REMOVED, "c").get(0);
        assertThat(notice.getIndex()).isEqualTo(removeC.firstIndex());
        assertThat(notice.getLogTerm()).isEqualTo(1);
        assertThat(notice.getConf().getVotersList()).containsExactly("a", "b");

        InMemoryLogStore cStore = new InMemoryLogStore();
        RaftNode c = new RaftNode(config("c", THREE), cStore);
        for (int i = 0; i < 30 && c.role() == Role.FOLLOWER; i++) {
            c.tick();
        }
        drain(c, cStore);
        assertThat(c.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(c.removal()).isNull();

        c.step(notice);
        drain(c, cStore);
        sent.clear();

        assertThat(c.removal()).isNotNull().satisfies(r -> {
            assertThat(r.toldBy()).isEqualTo("a");
            assertThat(r.configIndex()).isEqualTo(removeC.firstIndex());
            assertThat(r.conf().getVotersList()).containsExactly("a", "b");
        });
        assertThat(c.role()).isEqualTo(Role.FOLLOWER);
        for (int i = 0; i < 100; i++) {
            c.tick();
        }
        drain(c, cStore);
        assertThat(c.role()).as("a removed node never campaigns").isEqualTo(Role.FOLLOWER);
        assertThat(sent).as("nor sends anything of its own").isEmpty();
        c.step(msg(MessageType.MSG_VOTE, "b", "c", 5).setIndex(9).setLogTerm(4).build());
        drain(c, cStore);
        assertThat(take(MessageType.MSG_VOTE_RESPONSE, "b")).singleElement()
                .satisfies(m -> assertThat(m.getReject()).as("nor votes").isTrue());
    }

    @Test
    void a_removal_notice_from_a_member_behind_the_change_that_added_the_node_is_ignored() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode d = new RaftNode(config("d", List.of()), store);
        ConfState withD = conf(THREE, List.of("d"));
        d.step(msg(MessageType.MSG_APPEND, "a", "d", 2).setIndex(0).addEntries(configEntry(1, 2, withD)).build());
        drain(d, store);

        d.step(msg(MessageType.MSG_REMOVED, "b", "d", 2).setIndex(1).setLogTerm(1).setConf(conf(THREE, List.of()))
                .build());
        assertThat(d.removal()).as("b's configuration is older than d's own").isNull();

        d.step(msg(MessageType.MSG_REMOVED, "b", "d", 2).setIndex(4).setLogTerm(2).setConf(conf(THREE, List.of()))
                .build());
        assertThat(d.removal()).as("a newer committed one without d").isNotNull();

        d.step(msg(MessageType.MSG_APPEND, "a", "d", 3).setIndex(1).setLogTerm(2)
                .addEntries(configEntry(2, 3, withD)).build());
        drain(d, store);
        assertThat(d.removal()).as("added again after that removal").isNull();
    }

    @Test
    void a_node_that_was_never_a_member_is_not_removed_by_a_configuration_without_it() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode d = new RaftNode(config("d", List.of()), store);
        d.step(msg(MessageType.MSG_APPEND, "a", "d", 2).setIndex(0).addEntries(configEntry(1, 2, conf(THREE,
                List.of()))).setCommit(1).build());
        drain(d, store);
        d.step(msg(MessageType.MSG_REMOVED, "b", "d", 2).setIndex(1).setLogTerm(2).setConf(conf(THREE, List.of()))
                .build());

        assertThat(d.commitIndex()).isEqualTo(1);
        assertThat(d.removal()).as("a joining node catching up on the log before the entry adding it").isNull();
    }
}
