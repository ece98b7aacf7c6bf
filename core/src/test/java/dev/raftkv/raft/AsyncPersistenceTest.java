package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.storage.InMemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A driver that syncs off its loop thread ({@link RaftNode#advanceWritten} now,
 * {@link RaftNode#persisted} after the sync): what a node may count, send and apply while
 * its own entries are written but not durable (thesis §10.2.1).
 */
class AsyncPersistenceTest {

    private static final List<String> THREE = List.of("a", "b", "c");

    private final List<Message> sent = new ArrayList<>();
    private final List<Message> heldUntilSynced = new ArrayList<>();
    private final List<Entry> applied = new ArrayList<>();

    private static Message.Builder msg(MessageType type, String from, String to, long term) {
        return Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term);
    }

    private static Entry entry(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_COMMAND)
                .setData(ByteString.copyFromUtf8("e" + index)).build();
    }

    private static RaftNode node(String id, InMemoryLogStore store) {
        return new RaftNode(RaftConfig.defaults(id, THREE, new SplittableRandom(7)).withTicks(10, 1), store);
    }

    /** Carries out every batch as a synchronous driver does: written, synced, then advanced. */
    private void drainSynced(RaftNode node, InMemoryLogStore store) {
        while (node.hasReady()) {
            Ready ready = node.ready();
            write(ready, store);
            store.sync();
            sent.addAll(ready.messagesAfterPersist());
            node.advance(ready);
        }
    }

    /** Carries out every batch as the asynchronous driver does: written and advanced; the sync comes later. */
    private void drainWritten(RaftNode node, InMemoryLogStore store) {
        while (node.hasReady()) {
            Ready ready = node.ready();
            write(ready, store);
            heldUntilSynced.addAll(ready.messagesAfterPersist());
            node.advanceWritten(ready);
        }
    }

    private void write(Ready ready, InMemoryLogStore store) {
        sent.addAll(ready.messages());
        store.append(ready.entries());
        if (ready.hardState() != null) {
            store.setHardState(ready.hardState());
        }
        applied.addAll(ready.committedEntries());
    }

    private RaftNode electedLeader(InMemoryLogStore store) {
        RaftNode a = node("a", store);
        for (int i = 0; i < 20 && a.role() == Role.FOLLOWER; i++) {
            a.tick();
        }
        drainSynced(a, store);
        a.step(msg(MessageType.MSG_PRE_VOTE_RESPONSE, "b", "a", 1).build());
        drainSynced(a, store);
        a.step(msg(MessageType.MSG_VOTE_RESPONSE, "b", "a", 1).build());
        drainSynced(a, store);
        // The no-op of its term, committed with b.
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 1).setIndex(a.lastIndex()).build());
        drainSynced(a, store);
        assertThat(a.role()).isEqualTo(Role.LEADER);
        assertThat(a.commitIndex()).isEqualTo(a.lastIndex());
        sent.clear();
        return a;
    }

    @Test
    void a_leader_does_not_count_its_own_written_entry_before_its_sync_reports_it_durable() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        Proposal proposal = a.propose(List.of(ByteString.copyFromUtf8("x")));
        drainWritten(a, store);
        assertThat(sent).as("the leader replicates while its own write is not durable")
                .anyMatch(m -> m.getType() == MessageType.MSG_APPEND && m.getTo().equals("b"));

        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 1).setIndex(proposal.firstIndex()).build());
        drainWritten(a, store);
        assertThat(a.commitIndex()).as("b's copy alone is not a majority of three").isLessThan(proposal.firstIndex());

        a.persisted(proposal.firstIndex(), proposal.term());
        drainWritten(a, store);
        assertThat(a.commitIndex()).isEqualTo(proposal.firstIndex());
        assertThat(applied).extracting(Entry::getIndex).contains(proposal.firstIndex());
    }

    @Test
    void a_majority_of_followers_commits_an_entry_the_leader_has_not_synced_yet() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode a = electedLeader(store);
        Proposal proposal = a.propose(List.of(ByteString.copyFromUtf8("x")));
        drainWritten(a, store);
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "b", "a", 1).setIndex(proposal.firstIndex()).build());
        a.step(msg(MessageType.MSG_APPEND_RESPONSE, "c", "a", 1).setIndex(proposal.firstIndex()).build());
        drainWritten(a, store);

        assertThat(a.commitIndex()).isEqualTo(proposal.firstIndex());
        assertThat(applied).as("committed by a durable majority, so it may be applied")
                .extracting(Entry::getIndex).contains(proposal.firstIndex());
    }

    @Test
    void a_follower_acknowledges_an_append_only_in_the_messages_held_for_its_sync() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        b.step(msg(MessageType.MSG_APPEND, "a", "b", 1).setIndex(0).setLogTerm(0)
                .addEntries(entry(1, 1)).addEntries(entry(2, 1)).build());
        drainWritten(b, store);

        assertThat(sent).noneMatch(m -> m.getType() == MessageType.MSG_APPEND_RESPONSE);
        assertThat(heldUntilSynced).anyMatch(m -> m.getType() == MessageType.MSG_APPEND_RESPONSE && m.getIndex() == 2);
    }

    @Test
    void a_sync_of_entries_replaced_meanwhile_does_not_make_their_replacements_durable() {
        InMemoryLogStore store = new InMemoryLogStore();
        RaftNode b = node("b", store);
        b.step(msg(MessageType.MSG_APPEND, "a", "b", 1).setIndex(0).setLogTerm(0)
                .addEntries(entry(1, 1)).addEntries(entry(2, 1)).addEntries(entry(3, 1)).build());
        drainWritten(b, store);
        // A leader of term 2 replaces entries 2 and 3 before the sync of the first write reports back.
        b.step(msg(MessageType.MSG_APPEND, "c", "b", 2).setIndex(1).setLogTerm(1)
                .addEntries(entry(2, 2)).build());
        drainWritten(b, store);

        b.persisted(3, 1);
        assertThat(b.log.durableIndex()).as("entry 3 of term 1 is gone: that sync proves nothing of the new entry 2")
                .isZero();
        b.persisted(2, 2);
        assertThat(b.log.durableIndex()).isEqualTo(2);
    }
}
