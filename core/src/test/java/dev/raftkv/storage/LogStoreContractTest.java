package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.HardState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link LogStore} contract, run unchanged against every backend by a subclass
 * that says how to open its store. Tests that restart the store call {@link #reopen()};
 * they are skipped (not failed) for a store whose {@link #survivesRestart()} is false.
 *
 * <p>A subclass is shipped in the {@code server} test-jar to every backend module, so
 * a rule fixed here is checked everywhere at once.
 */
public abstract class LogStoreContractTest {

    private static final long NO_LIMIT = Long.MAX_VALUE;
    private static final int MIB = 1024 * 1024;

    @TempDir
    protected Path directory;

    /** The store under test; reopened in place by {@link #reopen()}. */
    protected LogStore store;

    /** Opens (creating if needed) the backend's store kept in {@code directory}. */
    protected abstract LogStore open(Path directory);

    /** Whether a closed and reopened store returns its synced state; false skips restart tests. */
    protected boolean survivesRestart() {
        return true;
    }

    /**
     * Waits until space freed by {@link LogStore#compact} has been given back to the
     * file system, for backends that reclaim it in the background. No-op by default.
     */
    protected void awaitSpaceReclaimed(LogStore store) {
    }

    /** Bytes the store occupies: by default the summed sizes of the files under the directory. */
    protected long diskBytes() {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return 0; // vanished while walking: a deleted segment
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void openStore() {
        store = open(directory);
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    /** Syncs nothing: closes the store and opens it again on the same directory. */
    protected final LogStore reopen() {
        assumeTrue(survivesRestart(), "this store keeps nothing across a restart");
        store.close();
        store = null;
        store = open(directory);
        return store;
    }

    protected static Entry entry(long index, long term) {
        return entry(index, term, 16);
    }

    protected static Entry entry(long index, long term, int dataBytes) {
        byte[] data = new byte[dataBytes];
        for (int i = 0; i < dataBytes; i++) {
            data[i] = (byte) (index * 31 + term * 7 + i);
        }
        return Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.ENTRY_COMMAND)
                .setData(ByteString.copyFrom(data)).build();
    }

    protected static List<Entry> entries(long from, long to, long term) {
        return entries(from, to, term, 16);
    }

    protected static List<Entry> entries(long from, long to, long term, int dataBytes) {
        List<Entry> list = new ArrayList<>();
        for (long index = from; index <= to; index++) {
            list.add(entry(index, term, dataBytes));
        }
        return list;
    }

    private List<Entry> all() {
        return store.entries(store.firstIndex(), store.lastIndex() + 1, NO_LIMIT);
    }

    @Test
    void a_new_log_is_empty_with_first_index_1() {
        assertThat(store.firstIndex()).isEqualTo(1);
        assertThat(store.lastIndex()).isEqualTo(0);
        assertThat(store.term(0)).isEqualTo(0);
        assertThat(store.entries(1, 1, NO_LIMIT)).isEmpty();
        assertThat(store.hardState()).isEqualTo(HardState.getDefaultInstance());
    }

    @Test
    void appended_entries_are_read_back_in_order() {
        store.append(entries(1, 3, 1));
        store.append(entries(4, 10, 2));

        assertThat(store.firstIndex()).isEqualTo(1);
        assertThat(store.lastIndex()).isEqualTo(10);
        assertThat(all()).containsExactlyElementsOf(concat(entries(1, 3, 1), entries(4, 10, 2)));
        assertThat(store.entries(3, 6, NO_LIMIT)).containsExactlyElementsOf(
                concat(entries(3, 3, 1), entries(4, 5, 2)));
        assertThat(store.term(3)).isEqualTo(1);
        assertThat(store.term(4)).isEqualTo(2);
    }

    @Test
    void an_empty_append_changes_nothing() {
        store.append(entries(1, 2, 1));
        store.append(List.of());

        assertThat(store.lastIndex()).isEqualTo(2);
        assertThat(all()).containsExactlyElementsOf(entries(1, 2, 1));
    }

    @Test
    void when_append_starts_inside_the_log_then_the_conflicting_suffix_is_replaced() {
        store.append(entries(1, 10, 1));
        store.append(entries(6, 7, 2));

        assertThat(store.lastIndex()).isEqualTo(7);
        assertThat(all()).containsExactlyElementsOf(concat(entries(1, 5, 1), entries(6, 7, 2)));
        assertThat(store.term(7)).isEqualTo(2);
        assertThatThrownBy(() -> store.term(8)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void when_append_replaces_the_whole_log_then_only_the_new_entries_remain() {
        store.append(entries(1, 5, 1));
        store.append(entries(1, 2, 3));

        assertThat(all()).containsExactlyElementsOf(entries(1, 2, 3));
    }

    @Test
    void when_append_leaves_a_gap_then_it_is_rejected_and_nothing_is_written() {
        store.append(entries(1, 3, 1));

        assertThatThrownBy(() -> store.append(entries(5, 6, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5");
        assertThat(store.lastIndex()).isEqualTo(3);
        assertThat(all()).containsExactlyElementsOf(entries(1, 3, 1));
    }

    @Test
    void when_a_batch_is_not_contiguous_then_it_is_rejected_and_nothing_is_written() {
        store.append(entries(1, 3, 1));

        assertThatThrownBy(() -> store.append(List.of(entry(4, 1), entry(6, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.append(List.of(entry(4, 1), entry(4, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.lastIndex()).isEqualTo(3);
    }

    @Test
    void when_append_starts_before_the_first_index_then_it_is_rejected() {
        store.append(entries(1, 10, 1));
        store.compact(5);

        assertThatThrownBy(() -> store.append(entries(5, 6, 2))).isInstanceOf(IllegalArgumentException.class);
        assertThat(all()).containsExactlyElementsOf(entries(6, 10, 1));
    }

    @Test
    void reads_stop_before_the_entry_that_exceeds_the_byte_budget() {
        store.append(entries(1, 10, 1, 100));
        int size = entry(1, 1, 100).getSerializedSize();

        assertThat(store.entries(1, 11, 3L * size)).containsExactlyElementsOf(entries(1, 3, 1, 100));
        assertThat(store.entries(1, 11, 3L * size + size - 1)).hasSize(3);
        assertThat(store.entries(2, 11, 0)).as("the first entry whatever its size")
                .containsExactly(entry(2, 1, 100));
        assertThat(store.entries(4, 6, NO_LIMIT)).containsExactlyElementsOf(entries(4, 5, 1, 100));
    }

    @Test
    void reads_outside_the_log_throw_the_named_errors() {
        store.append(entries(1, 10, 1));
        store.compact(4);

        assertThatThrownBy(() -> store.entries(3, 6, NO_LIMIT)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> store.entries(5, 12, NO_LIMIT)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> store.entries(7, 6, NO_LIMIT)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> store.term(3)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> store.term(11)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(store.term(4)).as("the snapshot index keeps its term").isEqualTo(1);
        assertThat(store.entries(11, 11, NO_LIMIT)).isEmpty();
    }

    @Test
    void compaction_drops_the_prefix_and_keeps_the_term_of_the_snapshot_index() {
        store.append(entries(1, 5, 1));
        store.append(entries(6, 10, 2));

        store.compact(6);

        assertThat(store.firstIndex()).isEqualTo(7);
        assertThat(store.lastIndex()).isEqualTo(10);
        assertThat(store.term(6)).isEqualTo(2);
        assertThat(all()).containsExactlyElementsOf(entries(7, 10, 2));

        store.compact(3);
        assertThat(store.firstIndex()).as("compacting an older index changes nothing").isEqualTo(7);
        assertThatThrownBy(() -> store.compact(11)).isInstanceOf(IllegalArgumentException.class);

        store.compact(10);
        assertThat(store.firstIndex()).isEqualTo(11);
        assertThat(store.lastIndex()).isEqualTo(10);
        assertThat(store.term(10)).isEqualTo(2);
        store.append(entries(11, 12, 3));
        assertThat(all()).containsExactlyElementsOf(entries(11, 12, 3));
    }

    @Test
    void reset_empties_the_log_and_starts_it_after_the_snapshot() {
        store.append(entries(1, 10, 1));

        store.reset(100, 7);

        assertThat(store.firstIndex()).isEqualTo(101);
        assertThat(store.lastIndex()).isEqualTo(100);
        assertThat(store.term(100)).isEqualTo(7);
        assertThatThrownBy(() -> store.term(99)).isInstanceOf(CompactedException.class);
        store.append(entries(101, 103, 8));
        assertThat(all()).containsExactlyElementsOf(entries(101, 103, 8));
    }

    @Test
    void the_hard_state_is_replaced_as_a_whole() {
        HardState first = HardState.newBuilder().setTerm(3).setVotedFor("n2").setCommit(5).build();
        HardState second = HardState.newBuilder().setTerm(4).build();

        store.setHardState(first);
        assertThat(store.hardState()).isEqualTo(first);
        store.setHardState(second);
        assertThat(store.hardState()).isEqualTo(second);
    }

    @Test
    void entries_of_4_MiB_and_more_round_trip() {
        store.append(List.of(entry(1, 1, 4 * MIB), entry(2, 1, 10), entry(3, 1, 5 * MIB)));

        assertThat(store.entries(1, 4, NO_LIMIT)).containsExactly(
                entry(1, 1, 4 * MIB), entry(2, 1, 10), entry(3, 1, 5 * MIB));
        assertThat(store.entries(1, 4, MIB)).containsExactly(entry(1, 1, 4 * MIB));
    }

    @Test
    void reopening_an_empty_log_gives_an_empty_log() {
        reopen();

        assertThat(store.firstIndex()).isEqualTo(1);
        assertThat(store.lastIndex()).isEqualTo(0);
        assertThat(store.hardState()).isEqualTo(HardState.getDefaultInstance());
    }

    @Test
    void reopening_returns_exactly_the_synced_entries_and_hard_state() {
        HardState hardState = HardState.newBuilder().setTerm(2).setVotedFor("n3").setCommit(4).build();
        store.append(entries(1, 5, 1));
        store.append(entries(6, 8, 2));
        store.setHardState(hardState);
        store.sync();

        reopen();

        assertThat(store.firstIndex()).isEqualTo(1);
        assertThat(store.lastIndex()).isEqualTo(8);
        assertThat(all()).containsExactlyElementsOf(concat(entries(1, 5, 1), entries(6, 8, 2)));
        assertThat(store.hardState()).isEqualTo(hardState);
        assertThat(store.term(8)).isEqualTo(2);

        store.append(entries(9, 9, 2));
        store.sync();
        reopen();
        assertThat(store.lastIndex()).isEqualTo(9);
    }

    @Test
    void a_sync_in_two_halves_keeps_reads_and_appends_going_while_another_thread_awaits_it() throws Exception {
        HardState hardState = HardState.newBuilder().setTerm(3).setVotedFor("n1").setCommit(2).build();
        store.append(entries(1, 40, 3));
        store.setHardState(hardState);
        LogStore.PendingSync pending = store.beginSync();
        Thread syncer = new Thread(pending::await, "contract-sync");
        syncer.start();
        assertThat(all()).as("what was handed over is readable at once").containsExactlyElementsOf(entries(1, 40, 3));
        store.append(entries(41, 60, 3));
        assertThat(store.term(60)).isEqualTo(3);
        syncer.join();

        store.append(entries(55, 70, 4));
        LogStore.PendingSync next = store.beginSync();
        next.await();
        assertThat(all()).containsExactlyElementsOf(concat(entries(1, 54, 3), entries(55, 70, 4)));

        reopen();
        assertThat(all()).containsExactlyElementsOf(concat(entries(1, 54, 3), entries(55, 70, 4)));
        assertThat(store.hardState()).isEqualTo(hardState);
    }

    @Test
    void a_compaction_goes_out_with_a_sync_in_two_halves() {
        store.append(entries(1, 50, 1));
        store.sync();
        store.compact(30);
        LogStore.PendingSync pending = store.beginSync();
        pending.await();
        store.append(entries(51, 52, 1));
        store.beginSync().await();

        assertThat(store.firstIndex()).isEqualTo(31);
        reopen();
        assertThat(store.firstIndex()).isEqualTo(31);
        assertThat(store.term(30)).isEqualTo(1);
        assertThat(all()).containsExactlyElementsOf(entries(31, 52, 1));
    }

    @Test
    void reopening_after_an_overwrite_and_a_compaction_keeps_the_result_of_both() {
        store.append(entries(1, 10, 1));
        store.sync();
        store.append(entries(7, 12, 2));
        store.compact(5);
        store.append(entries(11, 11, 3));
        store.sync();

        reopen();

        assertThat(store.firstIndex()).isEqualTo(6);
        assertThat(store.lastIndex()).isEqualTo(11);
        assertThat(store.term(5)).isEqualTo(1);
        assertThat(all()).containsExactlyElementsOf(concat(entries(6, 6, 1), entries(7, 10, 2), entries(11, 11, 3)));
    }

    @Test
    void reopening_after_a_reset_keeps_the_snapshot_index_and_term() {
        store.append(entries(1, 10, 1));
        store.reset(50, 4);
        store.append(entries(51, 52, 5));
        store.sync();

        reopen();

        assertThat(store.firstIndex()).isEqualTo(51);
        assertThat(store.term(50)).isEqualTo(4);
        assertThat(all()).containsExactlyElementsOf(entries(51, 52, 5));
    }

    @Test
    void reopening_after_compacting_everything_keeps_the_snapshot_term() {
        store.append(entries(1, 10, 3));
        store.compact(10);
        store.sync();

        reopen();

        assertThat(store.firstIndex()).isEqualTo(11);
        assertThat(store.lastIndex()).isEqualTo(10);
        assertThat(store.term(10)).isEqualTo(3);
    }

    @Test
    void large_entries_survive_a_reopen() {
        store.append(List.of(entry(1, 1, 4 * MIB), entry(2, 1, 100)));
        store.sync();

        reopen();

        assertThat(store.entries(1, 3, NO_LIMIT)).containsExactly(entry(1, 1, 4 * MIB), entry(2, 1, 100));
    }

    @Test
    void term_and_vote_survive_a_reopen_together() {
        for (int term = 1; term <= 20; term++) {
            store.setHardState(HardState.newBuilder().setTerm(term).setVotedFor("n" + term).setCommit(term).build());
        }
        store.sync();

        reopen();

        assertThat(store.hardState()).isEqualTo(HardState.newBuilder().setTerm(20).setVotedFor("n20").setCommit(20).build());
    }

    @Test
    void compaction_gives_the_disk_space_back() {
        assumeTrue(survivesRestart(), "this store keeps nothing on disk");
        int entryBytes = 64 * 1024;
        long batches = 16;
        long perBatch = 16;
        for (long batch = 0; batch < batches; batch++) {
            store.append(entries(batch * perBatch + 1, (batch + 1) * perBatch, 1, entryBytes));
            store.sync();
        }
        long last = batches * perBatch;
        long before = diskBytes();

        store.compact(last - 1);
        store.sync();
        awaitSpaceReclaimed(store);
        long after = diskBytes();

        assertThat(before).as("16 MiB of entries on disk").isGreaterThanOrEqualTo(batches * perBatch * entryBytes);
        assertThat(after).as("bytes on disk after compaction, from %d", before).isLessThan(before / 2);
        assertThat(store.entries(last, last + 1, NO_LIMIT)).containsExactly(entry(last, 1, entryBytes));
    }

    @SafeVarargs
    protected static List<Entry> concat(List<Entry>... lists) {
        List<Entry> result = new ArrayList<>();
        for (List<Entry> list : lists) {
            result.addAll(list);
        }
        return result;
    }
}
