package dev.raftkv.server;

import dev.raftkv.storage.LogStore.PendingSync;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Where the second half of a log sync ({@link PendingSync#await()}) runs, for {@link LogSync}.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Threading.</b> Every method is called from the event loop. {@link #run} never
 *       blocks; {@link #finish} blocks until the sync given to {@code run} last has returned.</li>
 *   <li><b>One at a time.</b> {@code run} is called again only after the previous sync was
 *       reported to its {@code done} or taken back with {@code finish}.</li>
 *   <li><b>Failure.</b> An exception from {@code await()} is handed to {@code done} (or returned
 *       by {@code finish}), never thrown on the sync's own thread or lost.</li>
 * </ul>
 * Production runs syncs on one thread of their own ({@link #thread}); the deterministic
 * simulator runs each one as an event a simulated fsync later, and {@code finish} there
 * completes it at once.
 */
interface SyncRunner {

    /**
     * Starts {@code sync.await()} elsewhere; once it returns, {@code done} gets null or its
     * error (on the sync's thread: it must hand the result to the loop itself). Not called
     * if {@link #finish} takes the sync back first.
     */
    void run(PendingSync sync, Consumer<Throwable> done);

    /** Waits for the sync last given to {@link #run}; returns null or its error. Its {@code done} may still be called. */
    Throwable finish();

    /** Lets a running sync finish (waiting up to {@code timeoutMillis}); takes no more. */
    void close(long timeoutMillis);

    /** A thread of its own from {@code threadFactory}. */
    static SyncRunner thread(ThreadFactory threadFactory) {
        ExecutorService thread = Executors.newSingleThreadExecutor(threadFactory);
        return new SyncRunner() {
            private CompletableFuture<Void> last;

            @Override
            public void run(PendingSync sync, Consumer<Throwable> done) {
                last = CompletableFuture.runAsync(sync::await, thread);
                last.whenComplete((ok, error) -> done.accept(error == null ? null : cause(error)));
            }

            @Override
            public Throwable finish() {
                try {
                    last.join();
                    return null;
                } catch (CompletionException e) {
                    return cause(e);
                }
            }

            @Override
            public void close(long timeoutMillis) {
                thread.shutdown();
                try {
                    thread.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            private Throwable cause(Throwable error) {
                return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            }
        };
    }
}
