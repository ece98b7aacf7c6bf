package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.storage.InMemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a core rebuilt from storage starts as, when the store and the snapshot disagree
 * (issue 12, item 3): a log that is empty beside a snapshot restarts after it in the
 * snapshot's term and never votes like a fresh node; a store whose commit index is past
 * its own last entry is refused, whatever a snapshot covers.
 */
class RestartFromStorageTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    /** The snapshot of the run: index 223, taken in term 12. */
    private static final SnapshotMeta SNAPSHOT = SnapshotMeta.newBuilder().setIndex(223).setTerm(12)
            .setConf(ConfState.newBuilder().addAllVoters(THREE)).build();

    private static RaftConfig config() {
        return RaftConfig.defaults("n1", THREE, new SplittableRandom(3)).withTicks(10, 1)
                .withAppliedIndex(SNAPSHOT.getIndex());
    }

    /** Carries out each Ready as the driver does (install, append, hard state), collecting every message. */
    private static List<Message> drain(RaftNode node, InMemoryLogStore store) {
        List<Message> sent = new ArrayList<>();
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
            node.advance(ready);
        }
        return sent;
    }

    @Test
    void when_the_log_is_empty_beside_a_snapshot_then_it_restarts_after_the_snapshot_in_the_snapshots_term() {
        InMemoryLogStore store = new InMemoryLogStore(); // hard state term 0, no vote, commit 0; no entry

        RaftNode node = new RaftNode(config(), store, SNAPSHOT);

        assertThat(node.term()).as("term").isEqualTo(12);
        assertThat(node.firstIndex()).as("first index").isEqualTo(224);
        assertThat(node.lastIndex()).as("last index").isEqualTo(223);
        assertThat(node.commitIndex()).as("commit index").isEqualTo(223);
        Ready first = node.ready();
        assertThat(first.snapshot()).as("the snapshot, for the driver to reset the log to").isEqualTo(SNAPSHOT);
        assertThat(first.hardState()).as("the raised term, persisted before anything is sent")
                .isEqualTo(HardState.newBuilder().setTerm(12).setCommit(223).build());
        assertThat(first.mustSync()).isTrue();
        store.reset(223, 12);
        store.setHardState(first.hardState());
        node.advance(first);
        assertThat(store.firstIndex()).isEqualTo(224);
        assertThat(store.lastIndex()).isEqualTo(223);
        assertThat(node.firstIndex()).isEqualTo(224);
    }

    @Test
    void when_the_log_is_empty_beside_a_snapshot_then_it_grants_no_vote_to_a_fresh_candidate() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode node = new RaftNode(config(), store, SNAPSHOT);
        drain(node, store);

        // The n2 and n3, fresh on an empty log, campaigning in term 2 (below the
        // snapshot's: ignored) and in a term above it (refused: their log is behind).
        for (MessageType type : new MessageType[] {MessageType.MSG_PRE_VOTE, MessageType.MSG_VOTE}) {
            for (long candidateTerm : new long[] {2, 13}) {
                node.step(Message.newBuilder().setType(type).setFrom("n2").setTo("n1")
                        .setTerm(candidateTerm).setIndex(0).setLogTerm(0).build());
                List<Message> answers = drain(node, store).stream()
                        .filter(m -> m.getType() == MessageType.MSG_VOTE_RESPONSE
                                || m.getType() == MessageType.MSG_PRE_VOTE_RESPONSE).toList();
                assertThat(answers).as("%s in term %d", type, candidateTerm)
                        .allSatisfy(m -> assertThat(m.getReject()).isTrue());
                if (candidateTerm == 13) {
                    assertThat(answers).as("%s in term %d", type, candidateTerm).hasSize(1);
                }
            }
        }
        assertThat(node.votedFor()).isEmpty();
    }

    @Test
    void when_the_log_is_empty_beside_a_snapshot_then_as_leader_it_appends_after_the_snapshot_in_a_later_term() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode node = new RaftNode(RaftConfig.defaults("n1", List.of("n1"), new SplittableRandom(3))
                .withTicks(10, 1).withAppliedIndex(223), store, SNAPSHOT.toBuilder()
                .setConf(ConfState.newBuilder().addVoters("n1")).build());
        for (int i = 0; i < 40 && node.role() != Role.LEADER; i++) {
            node.tick();
            drain(node, store);
        }
        assertThat(node.role()).isEqualTo(Role.LEADER);
        assertThat(node.term()).as("a term after the snapshot's").isGreaterThan(12);
        node.propose(List.of(ByteString.copyFromUtf8("x")));
        drain(node, store);
        List<Entry> after = store.entries(224, store.lastIndex() + 1, Long.MAX_VALUE);
        assertThat(after).isNotEmpty().allSatisfy(e -> assertThat(e.getTerm()).isEqualTo(node.term()));
    }

    @Test
    void when_the_stored_commit_index_is_past_an_empty_log_then_the_node_refuses_even_beside_a_snapshot() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.setHardState(HardState.newBuilder().setTerm(12).setVotedFor("n1").setCommit(300).build());

        assertThatThrownBy(() -> new RaftNode(config(), store, SNAPSHOT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("commit index 300 is past the last stored index 0");
    }

    @Test
    void when_the_stored_commit_index_is_past_a_short_log_behind_the_snapshot_then_the_node_refuses() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(entries(1, 100, 12));
        store.setHardState(HardState.newBuilder().setTerm(12).setCommit(150).build());

        assertThatThrownBy(() -> new RaftNode(config(), store, SNAPSHOT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("commit index 150 is past the last stored index 100");
    }

    @Test
    void when_entries_outlived_the_hard_state_that_came_with_them_then_the_term_is_the_last_entrys() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(entries(1, 3, 5));
        store.setHardState(HardState.newBuilder().setTerm(4).setVotedFor("n3").setCommit(2).build());

        RaftNode node = new RaftNode(RaftConfig.defaults("n1", THREE, new SplittableRandom(3)), store, null);

        assertThat(node.term()).isEqualTo(5);
        assertThat(node.votedFor()).as("the vote was of term 4").isEmpty();
        assertThat(node.commitIndex()).isEqualTo(2);
    }

    @Test
    void when_the_hard_state_is_current_then_term_and_vote_are_kept() {
        InMemoryLogStore store = new InMemoryLogStore();
        store.append(entries(1, 3, 5));
        store.setHardState(HardState.newBuilder().setTerm(6).setVotedFor("n3").setCommit(3).build());

        RaftNode node = new RaftNode(RaftConfig.defaults("n1", THREE, new SplittableRandom(3)), store, null);

        assertThat(node.term()).isEqualTo(6);
        assertThat(node.votedFor()).isEqualTo("n3");
        assertThat(node.ready().hardState()).as("nothing new to persist").isNull();
    }

    private static List<Entry> entries(long from, long to, long term) {
        List<Entry> list = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            list.add(Entry.newBuilder().setIndex(i).setTerm(term).setData(ByteString.copyFromUtf8("e" + i)).build());
        }
        return list;
    }
}
