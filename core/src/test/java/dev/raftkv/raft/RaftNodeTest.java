package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.storage.InMemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Engine tests: feed one node inputs and inspect the batches it hands out. No
 * threads, no network; each test names the rule of the paper it checks.
 */
class RaftNodeTest {

    private static final List<String> THREE = List.of("a", "b", "c");

    private final List<Message> sent = new ArrayList<>();
    private final List<Entry> applied = new ArrayList<>();
    private final List<ReadState> reads = new ArrayList<>();
    private final List<ElectionEvent> elections = new ArrayList<>();

    private static RaftConfig config(String id, List<String> voters) {
        return RaftConfig.defaults(id, voters, new SplittableRandom(7)).withTicks(10, 1);
    }

    private RaftNode node(String id, InMemoryLogStore store) {
        return new RaftNode(config(id, THREE), store);
    }

    /** Carries out every pending batch the way a driver must, collecting output. */
    private void drain(RaftNode node, InMemoryLogStore store) {
        while (node.hasReady()) {
            Ready ready = node.ready();
            sent.addAll(ready.messages());
            store.append(ready.entries());
            if (ready.hardState() != null) {
                store.setHardState(ready.hardState());
            }
            store.sync();
            sent.addAll(ready.messagesAfterPersist());
            applied.addAll(ready.committedEntries());
            reads.addAll(ready.readStates());
            elections.addAll(ready.electionEvents());
            node.advance(ready);
        }
    }

    private List<Message> take(MessageType type) {
        List<Message> result = sent.stream().filter(m -> m.getType() == type).toList();
        sent.removeAll(result);
        return result;
    }

    private static Message.Builder msg(MessageType type, String from, String to, long term) {
        return Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term);
    }

    private static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_COMMAND)
                .setData(ByteString.copyFromUtf8("e" + index)).build();
    }

    private void tickUntilCampaign(RaftNode node, InMemoryLogStore store) {
        for (int i = 0; i < 20 && node.role() == Role.FOLLOWER; i++) {
            node.tick();
        }
        drain(node, store);
    }

    /** Makes "a" leader of term 1 in a three-node cluster, with b's and c's votes. */
    private RaftNode electedLeader(InMemoryLogStore store) {
        RaftNode a = node("a", store);
        tickUntilCampaign(a, store);
        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 1).build());
        drain(a, store);
        a.step(msg(MessageType.MSG_VOTE_RESPONSE, "b", "a", 1).build());
        drain(a, store);
        assertThat(a.role()).isEqualTo(Role.LEADER);
        sent.clear();
        return a;
    }

    @Test
    void an_election_timeout_starts_a_pre_vote_that_does_not_raise_the_term() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = node("a", store);
        tickUntilCampaign(a, store);

        assertThat(a.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(a.term()).isZero();
        assertThat(take(MessageType.MSG_PRE_VOTE)).hasSize(2).allSatisfy(m -> assertThat(m.getTerm()).isEqualTo(1));
    }

    @Test
    void a_won_pre_vote_starts_a_real_election_whose_vote_is_durable_before_requests_go_out() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = node("a", store);
        tickUntilCampaign(a, store);
        sent.clear();

        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 1).build());
        Ready ready = a.ready();

        assertThat(a.role()).isEqualTo(Role.CANDIDATE);
        assertThat(ready.hardState()).isEqualTo(HardState.newBuilder().setTerm(1).setVotedFor("a").build());
        assertThat(ready.mustSync()).isTrue();
        assertThat(ready.messages()).isEmpty();
        assertThat(ready.messagesAfterPersist()).extracting(Message::getType)
                .containsOnly(MessageType.MSG_VOTE).hasSize(2);
    }

    @Test
    void a_new_leader_appends_a_no_op_of_its_term_and_replicates_it() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = node("a", store);
        tickUntilCampaign(a, store);
        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 1).build());
        drain(a, store);
        sent.clear();
        a.step(msg(MessageType.MSG_VOTE_RESPONSE, "b", "a", 1).build());
        drain(a, store);

        assertThat(a.role()).isEqualTo(Role.LEADER);
        assertThat(store.entries(1, 2, Long.MAX_VALUE)).singleElement()
                .satisfies(e -> assertThat(e.getType()).isEqualTo(EntryType.ENTRY_NOOP));
        assertThat(take(MessageType.MSG_APPEND)).hasSize(2)
                .allSatisfy(m -> assertThat(m.getEntriesList()).hasSize(1));
    }

    @ParameterizedTest(name = "voter log ends (term {0}, index {1}); candidate (term {2}, index {3}) -> granted {4}")
    @CsvSource({
        "1, 2, 1, 2, true",   // same last entry
        "1, 2, 1, 3, true",   // same term, longer
        "1, 2, 1, 1, false",  // same term, shorter
        "1, 2, 2, 1, true",   // higher last term wins over length
        "2, 1, 1, 5, false",  // lower last term loses whatever its length
    })
    void a_vote_goes_only_to_a_candidate_whose_log_is_at_least_as_up_to_date(
            long voterTerm, long voterIndex, long candidateTerm, long candidateIndex, boolean granted) {
        InMemoryLogStore store = new InMemoryLogStore();
        List<Entry> log = new ArrayList<>();
        for (long i = 1; i <= voterIndex; i++) {
            log.add(entry(i, i == voterIndex ? voterTerm : 1));
        }
        store.append(log);
        store.setHardState(HardState.newBuilder().setTerm(voterTerm).build());
        RaftNode b = node("b", store);

        b.step(msg(MessageType.MSG_VOTE, "a", "b", voterTerm + 1).setLogTerm(candidateTerm)
                .setIndex(candidateIndex).build());
        drain(b, store);

        Message response = take(MessageType.MSG_VOTE_RESPONSE).get(0);
        assertThat(!response.getReject()).isEqualTo(granted);
        assertThat(store.hardState().getVotedFor()).isEqualTo(granted ? "a" : "");
    }

    @Test
    void a_node_votes_for_at_most_one_candidate_per_term() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode c = node("c", store);
        c.step(msg(MessageType.MSG_VOTE, "a", "c", 1).build());
        c.step(msg(MessageType.MSG_VOTE, "b", "c", 1).build());
        drain(c, store);

        assertThat(take(MessageType.MSG_VOTE_RESPONSE)).extracting(Message::getTo, Message::getReject)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", false),
                        org.assertj.core.groups.Tuple.tuple("b", true));
    }

    @Test
    void a_follower_acknowledges_entries_only_after_they_are_persisted() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        b.step(msg(MessageType.MSG_APPEND, "a", "b", 1).setIndex(0).setLogTerm(0)
                .addEntries(entry(1, 1)).addEntries(entry(2, 1)).setCommit(1).build());

        Ready ready = b.ready();
        assertThat(ready.entries()).extracting(Entry::getIndex).containsExactly(1L, 2L);
        assertThat(ready.messages()).isEmpty();
        assertThat(ready.messagesAfterPersist()).singleElement()
                .satisfies(m -> assertThat(m.getIndex()).isEqualTo(2));
        assertThat(ready.committedEntries()).as("nothing is applied before it is durable").isEmpty();
    }

    @Test
    void a_follower_rejects_an_append_that_does_not_match_and_hints_where_to_retry() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(List.of(entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)));
        store.setHardState(HardState.newBuilder().setTerm(2).build());
        RaftNode b = node("b", store);

        // The leader of term 4 believes entry 5 has term 3.
        b.step(msg(MessageType.MSG_APPEND, "a", "b", 4).setIndex(5).setLogTerm(3).build());
        drain(b, store);

        Message reject = take(MessageType.MSG_APPEND_RESPONSE).get(0);
        assertThat(reject.getReject()).isTrue();
        assertThat(reject.getIndex()).isEqualTo(5);
        // Every entry of b down to 3 has term 2 <= 3: the logs may match at 5 already
        // by term, so the hint is 5 with term 2, and the leader skips its term-3 entries.
        assertThat(reject.getRejectHint()).isEqualTo(5);
        assertThat(reject.getLogTerm()).isEqualTo(2);
    }

    @Test
    void a_leader_skips_a_whole_conflicting_term_when_backtracking() {
        // Leader a holds 1..3 of term 1; follower b holds 1 of term 1, then 2..6 of term 2
        // from a deposed leader. One rejection must take a back to index 2.
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(List.of(entry(1, 1), entry(2, 1), entry(3, 1)));
        store.setHardState(HardState.newBuilder().setTerm(2).build());
        RaftNode a = node("a", store);
        tickUntilCampaign(a, store);
        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "c", "a", 3).build());
        drain(a, store);
        a.step(msg(MessageType.MSG_VOTE_RESPONSE, "c", "a", 3).build());
        drain(a, store);
        Message probe = take(MessageType.MSG_APPEND).stream().filter(m -> m.getTo().equals("b")).findFirst().orElseThrow();
        assertThat(probe.getIndex()).isEqualTo(3);

        InMemoryLogStore followerStore = new InMemoryLogStore();
        followerStore.append(List.of(entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 2), entry(5, 2), entry(6, 2)));
        followerStore.setHardState(HardState.newBuilder().setTerm(2).build());
        RaftNode b = node("b", followerStore);
        b.step(probe);
        drain(b, followerStore);
        Message reject = take(MessageType.MSG_APPEND_RESPONSE).get(0);
        assertThat(reject.getReject()).isTrue();
        assertThat(reject.getRejectHint()).isEqualTo(1);

        a.step(reject);
        drain(a, store);
        Message retry = take(MessageType.MSG_APPEND).stream().filter(m -> m.getTo().equals("b")).findFirst().orElseThrow();
        assertThat(retry.getIndex()).as("the retry starts right after the last matching entry").isEqualTo(1);
        assertThat(retry.getEntriesList()).extracting(Entry::getIndex).containsExactly(2L, 3L, 4L);

        b.step(retry);
        drain(b, followerStore);
        assertThat(take(MessageType.MSG_APPEND_RESPONSE).get(0).getIndex()).isEqualTo(4);
        assertThat(followerStore.lastIndex()).as("b's term-2 suffix is replaced").isEqualTo(4);
        assertThat(followerStore.term(4)).isEqualTo(3);
    }

    @Test
    void a_leader_does_not_commit_an_entry_of_an_earlier_term_by_counting_replicas() {
        // Figure 8: a leader of term 3 holds an entry of term 2 that a majority stores.
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(List.of(entry(1, 1), entry(2, 2)));
        store.setHardState(HardState.newBuilder().setTerm(2).setCommit(1).build());
        RaftNode a = node("a", store);
        tickUntilCampaign(a, store);
        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 3).build());
        drain(a, store);
        a.step(msg(MessageType.MSG_VOTE_RESPONSE, "b", "a", 3).build());
        drain(a, store);
        assertThat(a.role()).isEqualTo(Role.LEADER);

        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 3).setIndex(2).build());
        drain(a, store);
        assertThat(a.commitIndex()).as("entry 2 is of term 2: replicas do not commit it").isEqualTo(1);

        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 3).setIndex(3).build());
        drain(a, store);
        assertThat(a.commitIndex()).as("the no-op of term 3 commits, and entry 2 with it").isEqualTo(3);
    }

    @Test
    void a_follower_that_heard_from_its_leader_recently_ignores_a_disruptive_candidate() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        b.step(msg(MessageType.MSG_HEARTBEAT, "a", "b", 1).build());
        drain(b, store);
        sent.clear();

        b.step(msg(MessageType.MSG_VOTE, "c", "b", 5).setIndex(100).setLogTerm(5).build());
        b.step(msg(MessageType.MSG_PRE_VOTE, "c", "b", 5).setIndex(100).setLogTerm(5).build());
        drain(b, store);

        assertThat(sent).isEmpty();
        assertThat(b.term()).isEqualTo(1);
        assertThat(b.leaderId()).isEqualTo("a");
    }

    @Test
    void a_leader_that_does_not_hear_from_a_quorum_within_an_election_timeout_steps_down() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        for (int i = 0; i < 20; i++) {
            a.tick();
        }
        drain(a, store);
        assertThat(a.role()).isEqualTo(Role.FOLLOWER);
        assertThat(a.term()).as("stepping down keeps the term").isEqualTo(1);
    }

    @Test
    void an_election_timeout_reports_the_timeout_that_fired_and_the_ticks_since_the_leader_was_heard() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        b.step(msg(MessageType.MSG_HEARTBEAT, "a", "b", 1).build());
        drain(b, store);
        assertThat(elections).isEmpty();
        int counted = 0;
        while (b.role() == Role.FOLLOWER) {
            b.tick();
            counted++;
        }
        drain(b, store);
        int ticks = counted;

        assertThat(elections).singleElement().satisfies(e -> {
            assertThat(e.cause()).isEqualTo(ElectionEvent.Cause.ELECTION_TIMEOUT);
            assertThat(e.preVote()).isTrue();
            assertThat(e.timeoutFired()).isTrue();
            assertThat(e.startedElection()).as("a pre-vote raises no term").isFalse();
            assertThat(e.term()).isEqualTo(1);
            assertThat(e.roleBefore()).isEqualTo(Role.FOLLOWER);
            assertThat(e.peer()).as("the leader last heard from").isEqualTo("a");
            assertThat(e.ticksSinceLeader()).isEqualTo(ticks);
            assertThat(e.timeoutTicks()).isEqualTo(ticks).isBetween(10, 19);
        });

        elections.clear();
        b.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "c", "b", 2).build());
        drain(b, store);
        assertThat(elections).singleElement().satisfies(e -> {
            assertThat(e.cause()).isEqualTo(ElectionEvent.Cause.ELECTION_TIMEOUT);
            assertThat(e.preVote()).isFalse();
            assertThat(e.timeoutFired()).as("the vote after a won pre-vote is the same timeout").isFalse();
            assertThat(e.startedElection()).isTrue();
            assertThat(e.term()).isEqualTo(2);
            assertThat(e.roleBefore()).isEqualTo(Role.PRE_CANDIDATE);
            assertThat(e.peer()).isEqualTo("a");
        });
    }

    @Test
    void a_leader_stepping_down_reports_check_quorum_with_the_voters_it_did_not_hear_from() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        elections.clear();
        for (int i = 0; i < 10 && a.role() == Role.LEADER; i++) {
            a.tick();
            a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "b", "a", 1).build());
        }
        drain(a, store);
        assertThat(a.role()).isEqualTo(Role.LEADER);
        assertThat(elections).isEmpty();

        // b's last answer came after the check at tick 10, so it counts for the next interval only.
        for (int i = 0; i < 20 && a.role() == Role.LEADER; i++) {
            a.tick();
        }
        drain(a, store);

        assertThat(a.role()).isEqualTo(Role.FOLLOWER);
        assertThat(elections).singleElement().satisfies(e -> {
            assertThat(e.cause()).isEqualTo(ElectionEvent.Cause.CHECK_QUORUM);
            assertThat(e.leaderSteppedDown()).isTrue();
            assertThat(e.silentVoters()).containsExactly("b", "c");
            assertThat(e.timeoutTicks()).isEqualTo(10);
            assertThat(e.term()).isEqualTo(1);
        });
    }

    @Test
    void a_leader_deposed_by_a_higher_term_reports_who_carried_it() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        elections.clear();
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "c", "a", 4).setReject(true).build());
        drain(a, store);

        assertThat(a.role()).isEqualTo(Role.FOLLOWER);
        assertThat(elections).singleElement().satisfies(e -> {
            assertThat(e.cause()).isEqualTo(ElectionEvent.Cause.HIGHER_TERM);
            assertThat(e.leaderSteppedDown()).isTrue();
            assertThat(e.roleBefore()).isEqualTo(Role.LEADER);
            assertThat(e.peer()).isEqualTo("c");
            assertThat(e.messageType()).isEqualTo(MessageType.MSG_APPEND_RESPONSE);
            assertThat(e.term()).isEqualTo(4);
        });
    }

    @Test
    void a_leader_with_an_active_quorum_stays_leader() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        for (int i = 0; i < 40; i++) {
            a.tick();
            a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "b", "a", 1).build());
        }
        drain(a, store);
        assertThat(a.role()).isEqualTo(Role.LEADER);
    }

    @Test
    void a_read_waits_for_the_terms_first_commit_and_a_quorum_heartbeat_round() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        a.readIndex(42);
        drain(a, store);
        assertThat(reads).as("no entry of term 1 is committed yet").isEmpty();
        assertThat(take(MessageType.MSG_HEARTBEAT)).isEmpty();

        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 1).setIndex(1).build());
        drain(a, store);
        assertThat(a.commitIndex()).isEqualTo(1);
        assertThat(reads).as("a heartbeat round must confirm leadership first").isEmpty();
        List<Message> heartbeats = take(MessageType.MSG_HEARTBEAT);
        assertThat(heartbeats).hasSize(2);

        a.step(msg(MessageType.MSG_HEARTBEAT_RESPONSE, "c", "a", 1).setReadSeq(heartbeats.get(0).getReadSeq()).build());
        drain(a, store);
        assertThat(reads).containsExactly(new ReadState(42, 1));
    }

    @Test
    void a_follower_obtains_a_read_index_from_its_leader() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        assertThatThrownBy(() -> b.readIndex(1)).isInstanceOf(NotLeaderException.class);
        b.step(msg(MessageType.MSG_HEARTBEAT, "a", "b", 1).build());
        b.readIndex(7);
        drain(b, store);
        assertThat(take(MessageType.MSG_READ_INDEX)).singleElement()
                .satisfies(m -> assertThat(m.getReadId()).isEqualTo(7));

        b.step(msg(MessageType.MSG_READ_INDEX_RESPONSE, "a", "b", 1).setReadId(7).setIndex(12).build());
        drain(b, store);
        assertThat(reads).containsExactly(new ReadState(7, 12));
    }

    @Test
    void replication_to_a_follower_stops_at_the_in_flight_window() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = new RaftNode(config("a", THREE).withMessageLimits(1 << 20, 1, 3), store);
        tickUntilCampaign(a, store);
        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 1).build());
        drain(a, store);
        a.step(msg(MessageType.MSG_VOTE_RESPONSE, "b", "a", 1).build());
        drain(a, store);
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 1).setIndex(1).build());
        drain(a, store);
        sent.clear();

        List<ByteString> commands = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            commands.add(ByteString.copyFromUtf8("x" + i));
        }
        a.propose(commands);
        drain(a, store);

        List<Message> toB = take(MessageType.MSG_APPEND).stream().filter(m -> m.getTo().equals("b")).toList();
        assertThat(toB).as("replicate mode, one entry per message, window 3").hasSize(3);
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 1).setIndex(2).build());
        drain(a, store);
        assertThat(take(MessageType.MSG_APPEND).stream().filter(m -> m.getTo().equals("b")))
                .as("one acknowledgement frees one slot").hasSize(1);
    }

    @Test
    void a_single_node_commits_its_own_proposals_once_they_are_durable() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode solo = new RaftNode(config("solo", List.of("solo")), store);
        tickUntilCampaign(solo, store);
        assertThat(solo.role()).isEqualTo(Role.LEADER);
        Proposal proposal = solo.propose(List.of(ByteString.copyFromUtf8("hello")));
        drain(solo, store);
        assertThat(applied).extracting(Entry::getIndex).containsExactly(1L, proposal.firstIndex());
        assertThat(solo.commitIndex()).isEqualTo(2);
    }

    @Test
    void a_proposal_to_a_follower_is_refused_with_the_leader_it_knows() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        b.step(msg(MessageType.MSG_HEARTBEAT, "a", "b", 1).build());
        assertThatThrownBy(() -> b.propose(List.of(ByteString.EMPTY)))
                .isInstanceOfSatisfying(NotLeaderException.class,
                        e -> assertThat(e.leaderId()).contains("a"));
    }

    @Test
    void a_restarted_node_recovers_term_vote_and_log_from_its_store() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode c = node("c", store);
        c.step(msg(MessageType.MSG_VOTE, "a", "c", 3).build());
        c.step(msg(MessageType.MSG_APPEND, "a", "c", 3).setIndex(0).addEntries(entry(1, 3)).setCommit(1).build());
        drain(c, store);

        RaftNode restarted = node("c", store);
        assertThat(restarted.term()).isEqualTo(3);
        assertThat(restarted.votedFor()).isEqualTo("a");
        assertThat(restarted.lastIndex()).isEqualTo(1);
        assertThat(restarted.commitIndex()).isEqualTo(1);
    }
}
