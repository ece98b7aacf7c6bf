package dev.raftkv.storage.chronicle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control for the crash test's probe: appended records sit in dirty page-cache
 * pages of the mapped cycle files until {@code sync()}, and none is left after it.
 * Without the first half, "no dirty page after sync" would prove nothing.
 */
class ChronicleDurabilityTest {

    @TempDir
    Path directory;

    @Test
    void appends_stay_in_dirty_pages_until_sync_writes_them_back() {
        CachestatProbe probe = new CachestatProbe();
        try (ChronicleLogStore store = ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES)) {
            assumeTrue(probe.unwrittenPages(directory) >= 0, "this kernel has no cachestat(2)");
            store.sync();

            for (int round = 0; round < 3; round++) {
                long next = store.lastIndex() + 1;
                List<Entry> batch = new ArrayList<>();
                for (long index = next; index < next + 64; index++) {
                    batch.add(Entry.newBuilder().setIndex(index).setTerm(1).setData(ByteString.copyFrom(new byte[4096])).build());
                }
                store.append(batch);
                store.setHardState(HardState.newBuilder().setTerm(1).setVotedFor("n1").setCommit(next).build());
                assertThat(probe.unwrittenPages(directory)).as("unwritten pages before sync, round %d", round).isPositive();

                store.sync();
                assertThat(probe.unwrittenPages(directory)).as("unwritten pages after sync, round %d", round).isZero();
            }
        }
    }
}
