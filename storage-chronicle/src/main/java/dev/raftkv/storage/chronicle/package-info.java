/**
 * The Raft log on Chronicle Queue ({@code raftkv.wal.backend=chronicle}).
 *
 * <h2>An append-only queue as a Raft log</h2>
 * Every change is one record, one Chronicle document, with a CRC32C
 * ({@link dev.raftkv.storage.chronicle.ChronicleRecords}): an ENTRY per entry, a
 * HARD_STATE, a SNAPSHOT (compaction, reset, checkpoint) or a VOID. Opening the store
 * replays them in order ({@link dev.raftkv.storage.chronicle.ChronicleRecovery}) and
 * keeps, per held entry, its Chronicle index and term in memory
 * ({@link dev.raftkv.storage.chronicle.EntryLocations}, 16 bytes an entry).
 *
 * <p><b>Suffix truncation is logical.</b> An ENTRY record means "drop every entry at
 * or after my index, then add me", so overwriting a conflicting suffix is just
 * appending the new entries: the old records stay in the file, unreferenced. Each
 * ENTRY also names the last index of its batch, so a batch cut short by a crash is
 * dropped whole on replay and the log keeps the state of a prefix of the calls.
 *
 * <p><b>Prefix compaction deletes whole cycle files.</b> Files roll by size, not time:
 * Chronicle is given a {@link dev.raftkv.storage.chronicle.CycleClock} whose "day"
 * advances when the current cycle file holds {@code segmentBytes} (64 MiB by
 * default). Every cycle file starts with a checkpoint (SNAPSHOT with the snapshot
 * index and term and the last index, then HARD_STATE), so a file can be replayed
 * without the ones before it. {@code compact(i)} appends a SNAPSHOT record; after the
 * sync that makes it durable, every cycle file older than the one holding entry
 * {@code i + 1} is deleted, which returns its disk space at once. If the current
 * file holds everything, its space returns when it rolls.
 *
 * <h2>Durability: why {@code sync()} survives power loss</h2>
 * Chronicle writes through shared memory mappings, so appended bytes sit in dirty
 * page-cache pages. Chronicle's own msync on release ({@code SyncMode}) is turned
 * off; the store's {@code sync()} is the one durability point. It calls
 * {@code fdatasync} ({@code FileChannel.force(false)}) on every cycle file written
 * since the last sync, and fsyncs the directory and Chronicle's metadata file when a
 * cycle file was created. The first sync after open covers every cycle file, as
 * Chronicle itself writes into an older file on open (the end-of-file marker of a
 * file that a crash left open); the crash test caught that page. On Linux {@code fdatasync} writes back every dirty page of
 * the file however it was dirtied, through {@code write} or through a shared mapping
 * (mapped pages are write-protected after writeback, so the next store marks them
 * dirty again), with the file size, and then flushes the device cache: the same
 * guarantee as a {@code write}+{@code fdatasync} WAL. Records are written in call
 * order, so what a crash keeps is a prefix of them.
 *
 * <p>The crash test proves it rather than trusting it: after every sync its child
 * asks the kernel ({@code cachestat(2)}) how many pages of the cycle files are still
 * dirty or under writeback, and the answer must be 0; a control test shows the same
 * probe counts the pages an append dirtied before the sync. A kill -9 alone cannot
 * show this, since the page cache outlives the process. The metadata file is left out
 * on purpose: it holds locks and a cache of the directory listing, which Chronicle
 * rebuilds from the directory on open.
 *
 * <p>The appender's mappings get {@code madvise(MADV_RANDOM)}
 * ({@link dev.raftkv.storage.chronicle.RandomAccessAdvice}): with a large device
 * read-ahead the kernel otherwise backs the mapping with 2 MiB folios, and each sync
 * wrote ~2 MiB for a few kilobytes of records.
 *
 * <h2>Torn tails and corruption</h2>
 * A crash can leave, at the very end, a Chronicle document whose header never
 * completed (Chronicle hides it and overwrites it on the next append), a record
 * whose checksum fails, or the start of a batch. Recovery reports the last two in
 * the log and appends a VOID record naming them, so later opens skip them. The
 * same damage followed by records that do not void it is corruption: open fails
 * with a {@link dev.raftkv.storage.CorruptLogException} naming the cycle file and the
 * log index it follows.
 *
 * <h2>JVM options</h2>
 * Chronicle needs module opens on Java 17 and must not phone home: see
 * {@link dev.raftkv.storage.chronicle.ChronicleJvmOptions}.
 */
package dev.raftkv.storage.chronicle;
