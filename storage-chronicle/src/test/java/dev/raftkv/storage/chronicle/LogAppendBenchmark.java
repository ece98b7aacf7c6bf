package dev.raftkv.storage.chronicle;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Group commit: one {@code append} of a batch then one {@code sync}, per operation,
 * for each backend and, as {@code raw}, for a plain {@link FileChannel} append plus
 * {@code force(false)} of the same bytes in the same directory: what the disk can do.
 * Sample mode gives the latency percentiles; entries/s is batch size over mean time.
 * Not part of the test run; see the README for the command. The log is compacted as
 * it grows, so a run's disk use stays bounded (the compaction is part of the cost).
 * The directory is {@code -Draftkv.bench.dir} (default {@code target/bench}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseG1GC"})
public class LogAppendBenchmark {

    private static final long KEEP_ENTRIES = 8192;
    private static final long RAW_FILE_LIMIT_BYTES = 512L << 20;

    /** Named so that it sorts last: JMH then runs the three stores of one shape back to back. */
    @Param({"raw", "rocksdb", "chronicle"})
    public String store;

    @Param({"1", "16", "256"})
    public int batchSize;

    @Param({"128", "4096"})
    public int entryBytes;

    private Path directory;
    private LogStore log;
    private FileChannel raw;
    private ByteBuffer rawBatch;
    private ByteString data;
    private long nextIndex;

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path base = Path.of(System.getProperty("raftkv.bench.dir", "target/bench"));
        Files.createDirectories(base);
        directory = Files.createTempDirectory(base, store + "-");
        byte[] bytes = new byte[entryBytes];
        new Random(1).nextBytes(bytes);
        data = ByteString.copyFrom(bytes);
        if (store.equals("raw")) {
            raw = FileChannel.open(directory.resolve("wal"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            int recordBytes = entry(1).getSerializedSize() + 8; // length and checksum, as a WAL frames it
            rawBatch = ByteBuffer.allocateDirect(recordBytes * batchSize);
            new Random(2).nextBytes(bytes);
            while (rawBatch.hasRemaining()) {
                rawBatch.put(bytes, 0, Math.min(bytes.length, rawBatch.remaining()));
            }
        } else {
            log = LogStoreProvider.named(store).open(directory);
        }
        nextIndex = 1;
    }

    private Entry entry(long index) {
        return Entry.newBuilder().setIndex(index).setTerm(1).setType(EntryType.ENTRY_COMMAND).setData(data).build();
    }

    @Benchmark
    public long appendAndSync() throws IOException {
        if (raw != null) {
            if (raw.position() > RAW_FILE_LIMIT_BYTES) {
                raw.truncate(0);
            }
            rawBatch.clear();
            while (rawBatch.hasRemaining()) {
                raw.write(rawBatch);
            }
            raw.force(false);
            return raw.position();
        }
        List<Entry> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(entry(nextIndex + i));
        }
        log.append(batch);
        log.sync();
        nextIndex += batchSize;
        if (log.lastIndex() - log.firstIndex() > 8 * KEEP_ENTRIES + batchSize) {
            log.compact(log.lastIndex() - KEEP_ENTRIES);
        }
        return nextIndex;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (raw != null) {
            raw.close();
        }
        if (log != null) {
            log.close();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
