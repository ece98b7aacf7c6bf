package dev.raftkv.storage.chronicle;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.proto.HardState;
import dev.raftkv.storage.CorruptLogException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Rebuilds a store's state by reading every record of the queue once, in order, and
 * checking each checksum (see {@link ChronicleRecords} for what the records mean).
 *
 * <p>What a crash can leave at the end of the queue, and only there: a record whose
 * checksum fails (its bytes did not all reach the disk) and the first records of an
 * {@code append} batch without its last one. Both are the <em>torn tail</em>, reported
 * in {@link #tornFrom()}..{@link #tornTo()} for the store to void. The same things
 * followed by intact records that do not void them mean damage inside the log, and
 * throw {@link CorruptLogException} naming the cycle file and the log index.
 * Runs once, on the opening thread.
 */
final class ChronicleRecovery {

    private final SingleChronicleQueue queue;
    private final Path directory;

    final EntryLocations locations = new EntryLocations();
    long snapshotIndex;
    long snapshotTerm;
    HardState hardState = HardState.getDefaultInstance();
    /** Cycle of the last record read, or {@code Integer.MIN_VALUE} for an empty queue. */
    int lastRecordCycle = Integer.MIN_VALUE;
    /** Bytes of the records in {@link #lastRecordCycle}. */
    long lastCycleBytes;

    private long tornFrom = -1;
    private long tornTo = -1;

    // The batch being read: entries buffered until its last one is seen.
    private final EntryLocations batch = new EntryLocations();
    private long batchStart = -1;
    private long batchLast;
    private long firstDamaged = -1;
    private byte[] scratch = new byte[64 * 1024];

    ChronicleRecovery(SingleChronicleQueue queue, Path directory) {
        this.queue = queue;
        this.directory = directory;
    }

    long tornFrom() {
        return tornFrom;
    }

    long tornTo() {
        return tornTo;
    }

    ChronicleRecovery run() {
        long lastRead = -1;
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.singleThreadedCheckDisabled(true);
            tailer.toStart();
            while (true) {
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        break;
                    }
                    long chronicleIndex = tailer.index();
                    Bytes<?> bytes = document.wire().bytes();
                    int length = (int) bytes.readRemaining();
                    if (scratch.length < length) {
                        scratch = new byte[Math.max(length, scratch.length * 2)];
                    }
                    bytes.read(scratch, 0, length);
                    int cycle = queue.rollCycle().toCycle(chronicleIndex);
                    if (cycle != lastRecordCycle) {
                        lastRecordCycle = cycle;
                        lastCycleBytes = 0;
                    }
                    lastCycleBytes += length + 4;
                    lastRead = chronicleIndex;
                    apply(chronicleIndex, scratch, length);
                }
            }
        }
        if (firstDamaged >= 0 || batchStart >= 0) {
            tornFrom = firstDamaged >= 0 && batchStart >= 0 ? Math.min(firstDamaged, batchStart)
                    : Math.max(firstDamaged, batchStart);
            tornTo = lastRead;
        }
        long missing = locations.firstMissing(snapshotIndex + 1);
        if (missing >= 0) {
            throw new CorruptLogException(directory + ": entries from log index " + missing
                    + " were in cycle files that are gone; the oldest cycle file left is "
                    + ChronicleLogStore.cycleFileName(queue.firstCycle()));
        }
        return this;
    }

    private void apply(long chronicleIndex, byte[] record, int length) {
        if (!ChronicleRecords.intact(record, 0, length)) {
            if (firstDamaged < 0) {
                firstDamaged = chronicleIndex;
            }
            return;
        }
        byte kind = ChronicleRecords.kind(record, 0);
        if (firstDamaged >= 0 || (batchStart >= 0 && kind != ChronicleRecords.ENTRY)) {
            if (kind == ChronicleRecords.VOID && voids(record)) {
                firstDamaged = -1;
                batchStart = -1;
                return;
            }
            if (firstDamaged >= 0) {
                throw new CorruptLogException(where(firstDamaged) + ": the record after log index " + lastIndex()
                        + " fails its checksum, and intact records follow it");
            }
            throw new CorruptLogException(where(chronicleIndex) + ": the batch of entries from log index "
                    + batch.first() + " to " + batchLast + " stops at " + batch.last() + " and other records follow it");
        }
        switch (kind) {
            case ChronicleRecords.ENTRY -> entry(chronicleIndex, record);
            case ChronicleRecords.HARD_STATE -> hardState(chronicleIndex, record, length);
            case ChronicleRecords.SNAPSHOT -> snapshot(ChronicleRecords.field(record, 0, 0),
                    ChronicleRecords.field(record, 0, 1), ChronicleRecords.field(record, 0, 2));
            case ChronicleRecords.VOID -> {
                // Voids a torn tail that an earlier open already dropped: nothing is open now.
            }
            default -> throw new CorruptLogException(where(chronicleIndex) + ": record of unknown kind " + kind
                    + " after log index " + lastIndex());
        }
    }

    private void entry(long chronicleIndex, byte[] record) {
        long index = ChronicleRecords.field(record, 0, 0);
        long term = ChronicleRecords.field(record, 0, 1);
        long last = ChronicleRecords.field(record, 0, 2);
        if (batchStart < 0) {
            if (index < locations.first() || index > locations.last() + 1 || last < index) {
                throw new CorruptLogException(where(chronicleIndex) + ": entry " + index + " cannot follow the log ["
                        + locations.first() + ", " + locations.last() + "]");
            }
            batchStart = chronicleIndex;
            batchLast = last;
            batch.clear(index);
        } else if (index != batch.last() + 1 || last != batchLast) {
            throw new CorruptLogException(where(chronicleIndex) + ": entry " + index + " breaks the batch of entries from "
                    + batch.first() + " to " + batchLast);
        }
        batch.add(chronicleIndex, term);
        if (index == batchLast) {
            locations.truncateFrom(batch.first());
            for (long i = batch.first(); i <= batch.last(); i++) {
                locations.add(batch.location(i), batch.term(i));
            }
            batchStart = -1;
        }
    }

    private void hardState(long chronicleIndex, byte[] record, int length) {
        try {
            hardState = HardState.parseFrom(ByteBuffer.wrap(record, 5, length - 5));
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptLogException(where(chronicleIndex) + ": the hard state after log index " + lastIndex()
                    + " does not decode", e);
        }
    }

    /** Applies a SNAPSHOT record (compaction, reset or cycle checkpoint). */
    void snapshot(long index, long term, long lastIndex) {
        if (lastIndex < locations.last()) {
            locations.truncateFrom(lastIndex + 1);
        }
        if (index >= locations.last() || index < locations.first() - 1) {
            locations.clear(index + 1);
        } else {
            locations.dropThrough(index);
        }
        for (long missing = locations.last() + 1; missing <= lastIndex; missing++) {
            locations.add(EntryLocations.MISSING, 0);
        }
        snapshotIndex = index;
        snapshotTerm = term;
    }

    private boolean voids(byte[] record) {
        long first = ChronicleRecords.field(record, 0, 0);
        long open = firstDamaged >= 0 && batchStart >= 0 ? Math.min(firstDamaged, batchStart)
                : Math.max(firstDamaged, batchStart);
        return first == open;
    }

    private long lastIndex() {
        return locations.last();
    }

    private String where(long chronicleIndex) {
        int cycle = queue.rollCycle().toCycle(chronicleIndex);
        RollCycle rollCycle = queue.rollCycle();
        return directory.resolve(ChronicleLogStore.cycleFileName(cycle)) + " (record " + rollCycle.toSequenceNumber(chronicleIndex)
                + " of cycle " + cycle + ")";
    }
}
