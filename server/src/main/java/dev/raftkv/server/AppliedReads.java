package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Reads of the applied state, as {@link LinearizableReads} uses them once the core has
 * confirmed a read index. Production: the {@link Applier}.
 *
 * <p>Contract: {@link #readAt} is called on the event loop and never blocks. The read runs
 * on the apply thread once the state machine has applied at least {@code index} (never
 * before: that is what makes a ReadIndex read linearizable, thesis §6.4), and the future
 * completes there with its value, or with the exception the read threw.
 */
interface AppliedReads {

    <T> CompletableFuture<T> readAt(long index, Function<KvStateMachine, T> read);
}
