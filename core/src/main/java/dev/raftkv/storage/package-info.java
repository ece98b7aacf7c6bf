/**
 * Where a node keeps its Raft log: the {@link dev.raftkv.storage.LogStore} contract
 * every write-ahead log backend implements, the errors they raise, the
 * {@link dev.raftkv.storage.LogStoreProvider} through which backends are found by
 * name, and the in-memory store.
 *
 * <p>The contract is small on purpose (after etcd's raft {@code Storage}): entries
 * over a range with a byte budget, term at an index, first and last index, a prefix
 * dropped after a snapshot, and the hard state. Its one subtle promise is the order
 * of durability, stated on {@link dev.raftkv.storage.LogStore}: the Raft core's
 * safety rests on nothing being acknowledged or voted before it is durable. The core
 * sees only the read-only {@link dev.raftkv.storage.LogReader} side of a store; the
 * driver writes.
 */
package dev.raftkv.storage;
