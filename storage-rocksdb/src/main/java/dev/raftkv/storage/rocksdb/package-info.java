/**
 * The Raft log on RocksDB ({@code raftkv.wal.backend=rocksdb}, the default).
 *
 * <p>Each entry is one key ({@code 'e'} + big-endian index) whose value carries a
 * CRC32C, the term and the serialized {@code raftkv.v1.Entry}; the hard state and the
 * snapshot index and term are two more keys. All changes between two syncs go into
 * one {@code WriteBatch} written with {@code sync=true}: one WAL append and one
 * {@code fdatasync} per Raft batch. Overwriting a suffix and dropping a prefix are
 * range deletions in that same batch, so every sync is atomic.
 *
 * <p>Corruption: RocksDB checks its WAL and SST blocks; this backend checks every
 * value again on open and on read. A torn WAL tail is cut by RocksDB and reported by
 * {@link dev.raftkv.storage.rocksdb.WalTailInspector}; damage before the end fails
 * the open with a {@link dev.raftkv.storage.CorruptLogException}.
 */
package dev.raftkv.storage.rocksdb;
