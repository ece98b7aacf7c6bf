package dev.raftkv.storage.chronicle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to the Chronicle layout: cycle files, their checkpoints, and their deletion. */
class ChronicleLogStoreTest {

    @TempDir
    Path directory;

    @Test
    void the_backend_is_found_by_its_configuration_name() {
        try (LogStore store = LogStoreProvider.named("chronicle").open(directory)) {
            assertThat(store).isInstanceOf(ChronicleLogStore.class);
        }
        assertThat(ChronicleJvmOptions.list()).contains("-Dchronicle.analytics.disable=true",
                "-Dchronicle.announcer.disable=true");
    }

    @Test
    void files_roll_by_size_and_compaction_deletes_the_old_ones_but_keeps_the_state() throws IOException {
        HardState hardState = HardState.newBuilder().setTerm(5).setVotedFor("n1").setCommit(100).build();
        try (ChronicleLogStore store = ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES)) {
            store.setHardState(hardState);
            for (long from = 1; from <= 600; from += 20) {
                store.append(entries(from, from + 19, 5));
                store.sync();
            }
            assertThat(cycleFiles()).as("1 MiB cycle files for 2.4 MiB of entries").hasSizeGreaterThanOrEqualTo(3);

            store.compact(590);
            store.sync();
            assertThat(cycleFiles()).hasSize(1);
        }
        try (ChronicleLogStore store = ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES)) {
            assertThat(store.firstIndex()).isEqualTo(591);
            assertThat(store.lastIndex()).isEqualTo(600);
            assertThat(store.term(590)).isEqualTo(5);
            assertThat(store.hardState()).as("kept by the checkpoint of the remaining file").isEqualTo(hardState);
            assertThat(store.entries(591, 601, Long.MAX_VALUE)).containsExactlyElementsOf(entries(591, 600, 5));
        }
    }

    @Test
    void an_overwritten_suffix_that_spans_files_stays_overwritten_after_compaction_and_reopen() {
        try (ChronicleLogStore store = ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES)) {
            store.append(entries(1, 400, 1));
            store.sync();
            store.append(entries(200, 300, 2));
            store.append(entries(301, 600, 3));
            store.compact(250);
            store.sync();
        }
        try (ChronicleLogStore store = ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES)) {
            assertThat(store.firstIndex()).isEqualTo(251);
            assertThat(store.term(250)).isEqualTo(2);
            List<Entry> expected = new ArrayList<>(entries(251, 300, 2));
            expected.addAll(entries(301, 600, 3));
            assertThat(store.entries(251, 601, Long.MAX_VALUE)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void when_an_entry_exceeds_what_a_block_can_hold_then_append_rejects_it_and_writes_nothing() {
        try (ChronicleLogStore store = ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES)) {
            store.append(entries(1, 2, 1));
            int tooLarge = (int) ChronicleLogStoreContractTest.SMALL_FILES.maxEntryBytes() + 1;
            Entry huge = Entry.newBuilder().setIndex(4).setTerm(1).setData(ByteString.copyFrom(new byte[tooLarge])).build();

            assertThatThrownBy(() -> store.append(List.of(entries(3, 3, 1).get(0), huge)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry 4");
            assertThat(store.lastIndex()).isEqualTo(2);
            store.append(entries(3, 3, 1));
            store.sync();
            assertThat(store.lastIndex()).as("the store still works").isEqualTo(3);
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.toString().endsWith(".cq4")).toList();
        }
    }

    private static List<Entry> entries(long from, long to, long term) {
        List<Entry> entries = new ArrayList<>();
        for (long index = from; index <= to; index++) {
            byte[] data = new byte[4000];
            data[0] = (byte) index;
            data[1] = (byte) term;
            entries.add(Entry.newBuilder().setIndex(index).setTerm(term).setData(ByteString.copyFrom(data)).build());
        }
        return entries;
    }
}
