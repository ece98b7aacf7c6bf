package dev.raftkv.raft;

import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.SnapshotMeta;
import java.util.List;

/**
 * One batch of work the core hands its driver (etcd calls it {@code Ready}). The
 * driver must do it in this order, then call {@link RaftNode#advance(Ready)}:
 * <ol>
 *   <li>send {@link #messages()}: they are safe to send before anything is durable,
 *       so a leader replicates while it writes its own disk (thesis §10.2.1). A
 *       {@code MSG_SNAPSHOT} among them asks the driver to stream its newest snapshot
 *       file to that follower and to call {@link RaftNode#reportSnapshot} when the
 *       transfer ends;</li>
 *   <li>if {@link #snapshot()} is not null: restore the state machine from that
 *       snapshot (the verified file the driver received; §7), then
 *       {@code LogStore.reset(snapshot.index, snapshot.term)} — before anything else
 *       of this batch is persisted;</li>
 *   <li>append {@link #entries()}, then set {@link #hardState()} if not null, then
 *       sync the store when {@link #mustSync()} says so;</li>
 *   <li>only then send {@link #messagesAfterPersist()}: votes and acknowledgements
 *       promise that the state they answer for is durable;</li>
 *   <li>apply {@link #committedEntries()} in order (they are durable here) — an
 *       {@code ENTRY_CONFIG} entry's {@code ConfState} goes to the state machine so
 *       its snapshots carry the configuration — and serve each {@link #readStates()}
 *       read once the applied index reaches its index.</li>
 * </ol>
 *
 * @param softState the role, leader and term when they changed since the last batch
 *     (for logging state transitions), else null
 * @param hardState the term, vote and commit index to persist when they changed, else null
 * @param entries entries to append to the store (they may overwrite a conflicting suffix)
 * @param committedEntries committed entries to apply, in index order
 * @param messages messages to send now
 * @param messagesAfterPersist messages to send once {@code entries} and {@code hardState} are durable
 * @param readStates reads that became safe, in the order they were requested
 * @param mustSync whether the store must sync before {@code messagesAfterPersist} are sent
 * @param snapshot a snapshot from the leader to install before persisting the rest, else null
 * @param confState the configuration in force when it changed since the last batch
 *     (it takes effect when appended, so it may not be committed yet): the driver
 *     connects to new members and drops removed ones; else null
 * @param electionEvents why elections started, or leaders stepped down, since the last
 *     batch, in order: for logs and metrics only
 */
public record Ready(
        SoftState softState,
        HardState hardState,
        List<Entry> entries,
        List<Entry> committedEntries,
        List<Message> messages,
        List<Message> messagesAfterPersist,
        List<ReadState> readStates,
        boolean mustSync,
        SnapshotMeta snapshot,
        ConfState confState,
        List<ElectionEvent> electionEvents) {

    /**
     * The volatile state of a node worth logging when it changes.
     *
     * @param leaderId the known leader, or null during an election
     */
    public record SoftState(Role role, String leaderId, long term) {
    }

    public Ready {
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
        messagesAfterPersist = List.copyOf(messagesAfterPersist);
        readStates = List.copyOf(readStates);
        electionEvents = List.copyOf(electionEvents);
    }
}
