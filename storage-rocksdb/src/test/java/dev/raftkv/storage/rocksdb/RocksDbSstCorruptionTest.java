package dev.raftkv.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.storage.CorruptLogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries that RocksDB has moved from its WAL into an SST file are checked as strictly. */
class RocksDbSstCorruptionTest {

    @TempDir
    Path directory;

    @Test
    void when_a_byte_flips_inside_an_sst_file_then_open_fails_naming_the_file_and_index() throws IOException {
        byte[] damagedData = null;
        Random random = new Random(7);
        try (RocksDbLogStore store = RocksDbLogStore.open(directory)) {
            for (long index = 1; index <= 40; index++) {
                byte[] data = new byte[8192];
                random.nextBytes(data);
                if (index == 20) {
                    damagedData = data;
                }
                store.append(List.of(Entry.newBuilder().setIndex(index).setTerm(2).setType(EntryType.ENTRY_COMMAND)
                        .setData(ByteString.copyFrom(data)).build()));
            }
            store.sync();
            store.flush();
        }
        Path sst;
        try (Stream<Path> files = Files.list(directory)) {
            sst = files.filter(file -> file.toString().endsWith(".sst")).findFirst().orElseThrow();
        }
        byte[] content = Files.readAllBytes(sst);
        int at = indexOf(content, java.util.Arrays.copyOf(damagedData, 64));
        assertThat(at).as("entry 20 in %s", sst).isNotNegative();
        content[at + 100] ^= 0x01;
        Files.write(sst, content);

        assertThatThrownBy(() -> RocksDbLogStore.open(directory).close())
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(sst.getFileName().toString())
                .hasMessageContaining("index");
    }

    private static int indexOf(byte[] content, byte[] marker) {
        outer:
        for (int i = 0; i <= content.length - marker.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (content[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
