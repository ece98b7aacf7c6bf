package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage done to a closed store's files, the way a crash or a bad disk does it: a
 * file cut inside its last record (a torn tail) must open, without that record, and
 * say so in the log; a flipped byte inside an earlier record must make open fail
 * with a {@link CorruptLogException} naming the file and the log index. The test finds
 * records by their data (random, so incompressible and unique), not by knowing a
 * backend's file format.
 */
public abstract class LogStoreCorruptionTest {

    private static final int ENTRIES = 60;
    private static final int DATA_BYTES = 2048;
    private static final int MARKER_BYTES = 64;

    @TempDir
    protected Path directory;

    private final List<String> warnings = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (warnings) {
                    warnings.add(new SimpleFormatter().formatMessage(record));
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    protected abstract LogStore open(Path directory);

    /** Brings the written entries to where the damage should hit; by default leaves them as written. */
    protected void settle(Path directory) {
    }

    @BeforeEach
    void captureWarnings() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger("").removeHandler(capture);
    }

    /** Writes {@link #ENTRIES} entries, one sync each, and closes the store. */
    private List<Entry> writeLog() {
        Random random = new Random(42);
        List<Entry> written = new ArrayList<>();
        try (LogStore store = open(directory)) {
            for (long index = 1; index <= ENTRIES; index++) {
                byte[] data = new byte[DATA_BYTES];
                random.nextBytes(data);
                Entry entry = Entry.newBuilder().setIndex(index).setTerm(1).setType(EntryType.ENTRY_COMMAND)
                        .setData(ByteString.copyFrom(data)).build();
                store.append(List.of(entry));
                store.sync();
                written.add(entry);
            }
        }
        settle(directory);
        return written;
    }

    @Test
    void when_the_last_record_is_cut_short_then_open_drops_it_and_reports_the_file() throws IOException {
        List<Entry> written = writeLog();
        Entry last = written.get(ENTRIES - 1);
        List<Hit> hits = find(last);
        assertThat(hits).as("files holding the last entry").isNotEmpty();
        for (Hit hit : hits) {
            try (FileChannel channel = FileChannel.open(hit.file, StandardOpenOption.WRITE)) {
                channel.truncate(hit.offset + DATA_BYTES / 2);
            }
        }

        try (LogStore store = open(directory)) {
            assertThat(store.lastIndex()).isEqualTo(ENTRIES - 1);
            assertThat(store.entries(1, ENTRIES, Long.MAX_VALUE)).containsExactlyElementsOf(written.subList(0, ENTRIES - 1));
        }
        synchronized (warnings) {
            assertThat(warnings).as("warnings logged").anySatisfy(warning ->
                    assertThat(warning).containsIgnoringCase("torn").contains(hits.get(0).file.getFileName().toString()));
        }
        try (LogStore store = open(directory)) {
            assertThat(store.lastIndex()).as("a second open after the cut").isEqualTo(ENTRIES - 1);
        }
    }

    @Test
    void when_a_byte_flips_inside_an_earlier_record_then_open_fails_naming_the_file_and_index() throws IOException {
        List<Entry> written = writeLog();
        long damagedIndex = ENTRIES / 2;
        List<Hit> hits = find(written.get((int) damagedIndex - 1));
        assertThat(hits).as("files holding entry %d", damagedIndex).isNotEmpty();
        for (Hit hit : hits) {
            try (FileChannel channel = FileChannel.open(hit.file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                long position = hit.offset + DATA_BYTES / 2;
                channel.read(one, position);
                one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
                channel.write(one, position);
            }
        }

        assertThatThrownBy(() -> open(directory).close())
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(hits.get(0).file.getFileName().toString())
                .hasMessageContaining("index " + (damagedIndex - 1));
    }

    private record Hit(Path file, long offset) {
    }

    /** Where the start of the entry's data appears in the store's files. */
    private List<Hit> find(Entry entry) throws IOException {
        byte[] marker = entry.getData().substring(0, MARKER_BYTES).toByteArray();
        List<Hit> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(file);
                int at = indexOf(content, marker);
                if (at >= 0) {
                    hits.add(new Hit(file, at));
                }
            }
        }
        return hits;
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
