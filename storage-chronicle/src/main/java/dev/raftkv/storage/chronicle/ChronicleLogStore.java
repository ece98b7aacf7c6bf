package dev.raftkv.storage.chronicle;

import com.google.protobuf.CodedInputStream;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.CompactedException;
import dev.raftkv.storage.CorruptLogException;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A {@link LogStore} on Chronicle Queue: every change is a record (see
 * {@link ChronicleRecords}) appended to the queue, and the store's state is what
 * replaying the records in order gives. An in-memory {@link EntryLocations} maps each
 * held entry to its Chronicle index, so reads are a seek and a copy out of the mapped
 * file.
 *
 * <h2>Durability</h2>
 * Chronicle writes into memory-mapped cycle files: an append is in the page cache at
 * once, and survives a process crash but not a power loss. {@link #sync()} makes it
 * survive both by calling {@code fdatasync} ({@link FileChannel#force force(false)})
 * on each cycle file written since the last sync (plus the directory and Chronicle's
 * metadata file when a cycle file was created): Linux writes back a file's dirty pages
 * however they were dirtied, through {@code write} or through a shared mapping. The
 * crash test shows it: after each sync the queue files have no dirty page left
 * ({@code cachestat}). Records reach the page cache in call order, so a crash keeps a
 * prefix of them, and recovery drops a batch cut short whole: a prefix of the calls.
 *
 * <h2>Threading</h2>
 * One thread at a time, as {@link LogStore} says; Chronicle's single-thread checks
 * are turned off so that thread may change (a node restarting its event loop).
 */
public final class ChronicleLogStore implements LogStore {

    private static final System.Logger LOG = System.getLogger(ChronicleLogStore.class.getName());
    private static final RollCycles ROLL_CYCLE = RollCycles.FAST_DAILY;
    private static final DateTimeFormatter CYCLE_FILE_FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'F'");

    /**
     * How a store lays out its files: a cycle file is rolled once it holds
     * {@code segmentBytes}; Chronicle maps files in {@code blockBytes} blocks, and one
     * record may take at most a quarter of a block (see {@link #maxEntryBytes()}).
     */
    public record Options(long segmentBytes, long blockBytes) {
        /** 64 MiB cycle files, mapped in 64 MiB blocks: entries up to 16 MiB less a little. */
        public static final Options DEFAULT = new Options(64L << 20, 64L << 20);

        /** The largest serialized entry an append accepts. */
        public long maxEntryBytes() {
            return blockBytes / 4 - ChronicleRecords.ENTRY_HEADER_BYTES - 4096;
        }
    }

    private final Path directory;
    private final Options options;
    private final CycleClock clock;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final ExcerptTailer reader;
    private final ChronicleRecords records = new ChronicleRecords();
    private final RandomAccessAdvice advice = new RandomAccessAdvice();

    private final EntryLocations locations;
    private long snapshotIndex;
    private long snapshotTerm;
    private HardState hardState;
    private boolean cycleStarted;
    private long cycleBytes;

    private final CycleFiles files;
    private boolean compactedSinceSync;
    /** A compaction went out with the last {@link #beginSync()}: its dead cycles go once that sync returned. */
    private boolean deleteAfterPendingSync;
    private long nextReadIndex = -1;
    /** Set on the store's thread or by a failed {@link PendingSync} on a sync thread. */
    private volatile StorageException failure;

    private ChronicleLogStore(Path directory, Options options, CycleClock clock, SingleChronicleQueue queue,
            ChronicleRecovery recovered) {
        this.directory = directory;
        this.options = options;
        this.clock = clock;
        this.queue = queue;
        this.files = new CycleFiles(directory);
        this.locations = recovered.locations;
        this.snapshotIndex = recovered.snapshotIndex;
        this.snapshotTerm = recovered.snapshotTerm;
        this.hardState = recovered.hardState;
        if (recovered.lastRecordCycle != Integer.MIN_VALUE) {
            clock.cycle = recovered.lastRecordCycle;
            cycleStarted = true;
            cycleBytes = recovered.lastCycleBytes;
        }
        if (queue.lastCycle() > clock.cycle) {
            clock.cycle = queue.lastCycle(); // a cycle file created just before a crash, still without its checkpoint
            cycleStarted = false;
            cycleBytes = 0;
        }
        this.appender = queue.createAppender();
        this.appender.singleThreadedCheckDisabled(true);
        this.reader = queue.createTailer();
        this.reader.singleThreadedCheckDisabled(true);
        // Chronicle may touch older cycle files too (it writes a missing end-of-file
        // marker into a file left by a crash): the first sync covers every file.
        if (queue.firstCycle() <= queue.lastCycle()) {
            for (int cycle = queue.firstCycle(); cycle <= queue.lastCycle(); cycle++) {
                Path file = directory.resolve(cycleFileName(cycle));
                if (Files.exists(file)) {
                    try {
                        files.written(cycle, cycleFileName(cycle));
                    } catch (IOException e) {
                        throw new StorageException(directory + ": cannot open cycle file " + file.getFileName(), e);
                    }
                }
            }
        }
    }

    /** Opens the log in {@code directory} with {@link Options#DEFAULT}. */
    public static ChronicleLogStore open(Path directory) {
        return open(directory, Options.DEFAULT);
    }

    /**
     * Opens (creating if needed) the log in {@code directory}, holding exactly the state
     * of its last completed sync or a later one; a torn tail is reported and voided.
     *
     * @throws CorruptLogException naming the cycle file and log index of a damaged record before the end
     * @throws StorageException if the files cannot be read or created
     */
    public static ChronicleLogStore open(Path directory, Options options) {
        CycleClock clock = new CycleClock();
        SingleChronicleQueue queue;
        try {
            Files.createDirectories(directory);
            queue = SingleChronicleQueueBuilder.binary(directory)
                    .rollCycle(ROLL_CYCLE)
                    .timeProvider(clock)
                    .blockSize(options.blockBytes())
                    // How long an append waits on a document header left incomplete by a writer
                    // before declaring that writer dead and recovering the header. A store is the
                    // only writer of its directory, so such a header is always a crash's leftover.
                    .timeoutMS(500)
                    .syncMode(SyncMode.NONE) // durability comes from sync(), not from Chronicle's msync on release
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new StorageException("cannot open the Chronicle log in " + directory + ": " + e, e);
        }
        try {
            ChronicleRecovery recovered = new ChronicleRecovery(queue, directory).run();
            ChronicleLogStore store = new ChronicleLogStore(directory, options, clock, queue, recovered);
            if (recovered.tornFrom() >= 0) {
                store.voidTornTail(recovered.tornFrom(), recovered.tornTo());
            }
            return store;
        } catch (RuntimeException e) {
            queue.close();
            throw e instanceof StorageException ? e
                    : new StorageException("cannot read the Chronicle log in " + directory + ": " + e, e);
        }
    }

    private void voidTornTail(long from, long to) {
        LOG.log(Level.WARNING, "{0}: torn tail cut: records {1} to {2} of cycle file {3} were cut short by a crash"
                + " and are dropped; the log now ends at index {4}", directory,
                String.valueOf(ROLL_CYCLE.toSequenceNumber(from)), String.valueOf(ROLL_CYCLE.toSequenceNumber(to)),
                cycleFileName(ROLL_CYCLE.toCycle(from)), String.valueOf(locations.last()));
        records.encodeVoid(from, to);
        write();
        sync();
    }

    /** The name of the file of {@code cycle}; cycles count days from 1970-01-01 (see {@link CycleClock}). */
    static String cycleFileName(int cycle) {
        return LocalDate.ofEpochDay(cycle).format(CYCLE_FILE_FORMAT) + SingleChronicleQueue.SUFFIX;
    }

    @Override
    public long firstIndex() {
        return snapshotIndex + 1;
    }

    @Override
    public long lastIndex() {
        return locations.last();
    }

    @Override
    public long term(long index) {
        if (index < snapshotIndex) {
            throw new CompactedException(index, firstIndex());
        }
        if (index > lastIndex()) {
            throw new IndexOutOfBoundsException("log index " + index + " is past the last index " + lastIndex());
        }
        return index == snapshotIndex ? snapshotTerm : locations.term(index);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) {
            throw new CompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1 || lo > hi) {
            throw new IndexOutOfBoundsException(
                    "entries [" + lo + ", " + hi + ") are not within [" + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        checkHealthy();
        List<Entry> result = new ArrayList<>();
        long bytes = 0;
        for (long index = lo; index < hi; index++) {
            long location = locations.location(index);
            if (location != nextReadIndex && !reader.moveToIndex(location)) {
                throw new CorruptLogException(where(location) + ": entry " + index + " cannot be found");
            }
            try (DocumentContext document = reader.readingDocument()) {
                if (!document.isPresent() || reader.index() != location) {
                    throw new CorruptLogException(where(location) + ": entry " + index + " cannot be read");
                }
                Bytes<?> in = document.wire().bytes();
                int length = (int) in.readRemaining();
                bytes += length - ChronicleRecords.ENTRY_HEADER_BYTES;
                if (!result.isEmpty() && bytes > maxBytes) {
                    document.rollbackOnClose();
                    nextReadIndex = -1;
                    break;
                }
                byte[] record = new byte[length];
                in.read(record, 0, length);
                result.add(decodeEntry(index, location, record));
                nextReadIndex = location + 1;
            } catch (StorageException e) {
                nextReadIndex = -1;
                throw e;
            } catch (RuntimeException e) {
                nextReadIndex = -1;
                throw new StorageException(where(location) + ": cannot read entry " + index + ": " + e, e);
            }
        }
        return result;
    }

    private Entry decodeEntry(long index, long location, byte[] record) {
        if (!ChronicleRecords.intact(record, 0, record.length) || ChronicleRecords.kind(record, 0) != ChronicleRecords.ENTRY
                || ChronicleRecords.field(record, 0, 0) != index) {
            throw new CorruptLogException(where(location) + ": entry " + index + " fails its checksum");
        }
        try {
            CodedInputStream input = CodedInputStream.newInstance(record, ChronicleRecords.ENTRY_HEADER_BYTES,
                    record.length - ChronicleRecords.ENTRY_HEADER_BYTES);
            input.enableAliasing(true);
            return Entry.parseFrom(input);
        } catch (IOException e) {
            throw new CorruptLogException(where(location) + ": entry " + index + " does not decode", e);
        }
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public void append(List<Entry> entries) {
        checkHealthy();
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).getIndex();
        LogStore.checkAppendable(first, entries, firstIndex(), lastIndex());
        for (Entry entry : entries) {
            if (entry.getSerializedSize() > options.maxEntryBytes()) {
                throw new IllegalArgumentException("entry " + entry.getIndex() + " is " + entry.getSerializedSize()
                        + " bytes; the chronicle log takes entries of at most " + options.maxEntryBytes() + " bytes");
            }
        }
        long batchLast = first + entries.size() - 1;
        startCycleIfDue();
        locations.truncateFrom(first);
        for (Entry entry : entries) {
            records.encodeEntry(entry, batchLast);
            locations.add(write(), entry.getTerm());
        }
    }

    @Override
    public void setHardState(HardState hardState) {
        checkHealthy();
        startCycleIfDue();
        records.encodeHardState(hardState);
        write();
        this.hardState = hardState;
    }

    @Override
    public void compact(long index) {
        checkHealthy();
        if (index <= snapshotIndex) {
            return;
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("cannot compact to index " + index + " past the last index " + lastIndex());
        }
        long term = term(index);
        startCycleIfDue();
        records.encodeSnapshot(index, term, lastIndex());
        write();
        locations.dropThrough(index);
        snapshotIndex = index;
        snapshotTerm = term;
        compactedSinceSync = true;
    }

    @Override
    public void reset(long snapshotIndex, long snapshotTerm) {
        checkHealthy();
        startCycleIfDue();
        records.encodeSnapshot(snapshotIndex, snapshotTerm, snapshotIndex);
        write();
        locations.clear(snapshotIndex + 1);
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        compactedSinceSync = true;
    }

    @Override
    public void sync() {
        checkHealthy();
        if (deleteAfterPendingSync) { // the sync that made that compaction durable has returned
            deleteAfterPendingSync = false;
            deleteDeadCycles();
        }
        if (!files.dirty()) {
            return;
        }
        try {
            files.sync(clock.cycle);
        } catch (IOException e) {
            throw fail(new StorageException(directory + ": fdatasync of cycle files " + files.cycles()
                    + " failed with entries up to index " + lastIndex() + "; the node must stop", e));
        }
        if (compactedSinceSync) {
            compactedSinceSync = false;
            deleteDeadCycles();
        }
    }

    /**
     * The records are in the page cache already: what is left is the {@code fdatasync} of
     * the current cycle file, returned to run elsewhere. When more is due (a cycle file was
     * created or rolled) the whole sync happens here. Dead cycles of a compaction are deleted
     * at the next call, once its sync has returned (as {@link LogStore#beginSync()} promises).
     */
    @Override
    public PendingSync beginSync() {
        checkHealthy();
        if (deleteAfterPendingSync) {
            deleteAfterPendingSync = false;
            deleteDeadCycles();
        }
        FileChannel current = files.takeCurrentOnly(clock.cycle);
        if (current == null) {
            sync();
            return PendingSync.DONE;
        }
        deleteAfterPendingSync = compactedSinceSync;
        compactedSinceSync = false;
        long upTo = lastIndex();
        String file = cycleFileName(clock.cycle);
        return () -> {
            try {
                current.force(false);
            } catch (IOException | RuntimeException e) {
                throw fail(new StorageException(directory + ": fdatasync of cycle file " + file
                        + " failed with entries up to index " + upTo + "; the node must stop", e));
            }
        };
    }

    /**
     * Deletes the cycle files before the one holding the first entry (or before the
     * current cycle): their records are all compacted away or superseded, and the
     * checkpoint at the start of every cycle keeps the snapshot and hard state.
     * Runs after the sync that made the compaction durable.
     */
    private void deleteDeadCycles() {
        int live = lastIndex() >= firstIndex() ? ROLL_CYCLE.toCycle(locations.location(firstIndex())) : clock.cycle;
        live = Math.min(live, clock.cycle);
        int oldest = queue.firstCycle();
        if (oldest >= live) {
            return;
        }
        try {
            reader.toEnd(); // lets go of older cycle files
            nextReadIndex = -1;
            for (int cycle = oldest; cycle < live; cycle++) {
                Files.deleteIfExists(directory.resolve(cycleFileName(cycle)));
            }
            files.forceDirectory();
            queue.refreshDirectoryListing();
        } catch (IOException | RuntimeException e) {
            throw fail(new StorageException(directory + ": cannot delete cycle files before "
                    + cycleFileName(live) + " after compacting to index " + snapshotIndex, e));
        }
        LOG.log(Level.DEBUG, "{0}: deleted cycle files {1} to {2}", directory, cycleFileName(oldest), cycleFileName(live - 1));
    }

    /** Rolls to a new cycle file when the current one is full, and starts a cycle with its checkpoint. */
    private void startCycleIfDue() {
        if (cycleStarted && cycleBytes < options.segmentBytes()) {
            return;
        }
        if (cycleStarted) {
            clock.cycle++;
        }
        cycleStarted = true;
        cycleBytes = 0;
        files.cycleCreated();
        records.encodeSnapshot(snapshotIndex, snapshotTerm, lastIndex());
        write();
        records.encodeHardState(hardState);
        write();
    }

    /** Appends the record last encoded as one document; returns its Chronicle index. */
    private long write() {
        try (DocumentContext document = appender.writingDocument()) {
            try {
                Bytes<?> out = document.wire().bytes();
                advice.adviseOnce(out.bytesStore());
                out.write(records.bytes(), 0, records.length());
            } catch (RuntimeException e) {
                document.rollbackOnClose();
                throw e;
            }
        } catch (RuntimeException e) {
            throw fail(new StorageException(directory + ": cannot append to cycle file " + cycleFileName(clock.cycle)
                    + " after log index " + lastIndex() + "; the node must stop", e));
        }
        long index = appender.lastIndexAppended();
        int cycle = ROLL_CYCLE.toCycle(index);
        try {
            files.written(cycle, cycleFileName(cycle));
        } catch (IOException e) {
            throw fail(new StorageException(directory + ": cannot open cycle file " + cycleFileName(cycle)
                    + " to sync it", e));
        }
        cycleBytes += records.length() + 4;
        return index;
    }

    private StorageException fail(StorageException e) {
        failure = e;
        return e;
    }

    private void checkHealthy() {
        if (failure != null) {
            throw new StorageException(directory + ": the store failed earlier and cannot be used", failure);
        }
    }

    private String where(long chronicleIndex) {
        return directory.resolve(cycleFileName(ROLL_CYCLE.toCycle(chronicleIndex))).toString();
    }

    @Override
    public void close() {
        files.close();
        reader.close();
        appender.close();
        queue.close();
    }

    @Override
    public String toString() {
        return "ChronicleLogStore[" + directory + ", entries " + firstIndex() + ".." + lastIndex() + "]";
    }
}
