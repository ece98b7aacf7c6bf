package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Put;
import dev.raftkv.proto.SnapshotMeta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFilesTest {

    @TempDir
    Path dir;

    private static KvStateMachine stateWith(int keys) {
        KvStateMachine sm = new KvStateMachine();
        for (int i = 1; i <= keys; i++) {
            sm.apply(i, Command.newBuilder().setPut(Put.newBuilder().setKey(ByteString.copyFromUtf8("key" + i))
                    .setValue(ByteString.copyFromUtf8("value" + i))).build());
        }
        return sm;
    }

    private static SnapshotMeta meta(long index, long term) {
        return SnapshotMeta.newBuilder().setIndex(index).setTerm(term)
                .setConf(ConfState.newBuilder().addVoters("n1").addVoters("n2").addLearners("n3")).build();
    }

    @Test
    void a_written_snapshot_reads_back_equal_with_its_meta() {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        KvStateMachine sm = stateWith(50);
        SnapshotInfo info = files.write(meta(50, 3), sm::writeSnapshot);
        assertThat(info.index()).isEqualTo(50);
        assertThat(info.term()).isEqualTo(3);
        assertThat(SnapshotFiles.verify(info.file())).isEqualTo(meta(50, 3));
        SnapshotFiles.Loaded loaded = SnapshotFiles.load(info.file(), SessionLimits.DEFAULT);
        assertThat(loaded.meta()).isEqualTo(meta(50, 3));
        assertThat(loaded.stateMachine().size()).isEqualTo(50);
        assertThat(loaded.stateMachine().get(ByteString.copyFromUtf8("key7")))
                .contains(ByteString.copyFromUtf8("value7"));
    }

    @Test
    void old_snapshots_beyond_the_retention_and_interrupted_writes_are_removed() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        for (int n = 10; n <= 40; n += 10) {
            files.write(meta(n, 1), stateWith(n)::writeSnapshot);
        }
        Files.writeString(dir.resolve("snapshot-x.snap.tmp"), "half");
        assertThat(files.list()).extracting(SnapshotInfo::index).containsExactly(40L, 30L);
        files.deleteTemporaryFiles();
        assertThat(Files.exists(dir.resolve("snapshot-x.snap.tmp"))).isFalse();
    }

    @Test
    void every_flipped_byte_and_every_truncation_is_detected() throws IOException {
        SnapshotFiles files = new SnapshotFiles(dir, 2);
        Path file = files.write(meta(5, 2), stateWith(5)::writeSnapshot).file();
        byte[] good = Files.readAllBytes(file);
        Path damaged = dir.resolve("damaged.snap");
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Files.write(damaged, bad);
            int position = i;
            assertThatThrownBy(() -> SnapshotFiles.load(damaged, SessionLimits.DEFAULT))
                    .as("flip at byte %d", position).isInstanceOf(SnapshotCorruptException.class)
                    .hasMessageContaining("damaged.snap");
            assertThatThrownBy(() -> SnapshotFiles.verify(damaged)).as("flip at byte %d", position)
                    .isInstanceOf(SnapshotCorruptException.class);
        }
        for (int length = 0; length < good.length; length++) {
            Files.write(damaged, Arrays.copyOf(good, length));
            int cut = length;
            assertThatThrownBy(() -> SnapshotFiles.load(damaged, SessionLimits.DEFAULT))
                    .as("cut to %d bytes", cut).isInstanceOf(SnapshotCorruptException.class);
        }
    }
}
