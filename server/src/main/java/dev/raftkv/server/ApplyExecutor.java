package dev.raftkv.server;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The apply path's thread, as the {@link Applier} uses it: where committed entries are
 * applied, snapshots installed and reads served, one task at a time.
 *
 * <p>Contract (the style of MicroRaft's {@code RaftNodeExecutor}):
 * <ul>
 *   <li><b>Order.</b> Tasks run one at a time, in the order {@link #execute} was called, and
 *       each sees everything the ones before it did. Nothing else touches the state
 *       machine, so the {@link Applier} needs no locks for it.</li>
 *   <li><b>Threading and blocking.</b> {@link #execute} is called from the event loop (and
 *       from the snapshot writer's thread) and never blocks or runs the task on the
 *       caller's stack: applying overlaps with the next round of replication. A task may
 *       run any time later; the event loop must not assume it has run.</li>
 *   <li><b>Failure.</b> A task that throws ends that task only; the {@link Applier} records
 *       the error itself and refuses further work. After {@link #close}, {@link #execute}
 *       throws {@link RejectedExecutionException}.</li>
 * </ul>
 * Production uses {@link #thread}; the deterministic simulator runs tasks as events of
 * its own queue, a random while later, to widen the window between commit and apply.
 */
interface ApplyExecutor {

    /** Queues {@code task} behind every task queued before. Never blocks. */
    void execute(Runnable task);

    /** Stops taking tasks and lets those queued finish, waiting up to {@code timeoutMillis}; then drops the rest. */
    void close(long timeoutMillis);

    /** One dedicated thread from {@code threadFactory}. */
    static ApplyExecutor thread(ThreadFactory threadFactory) {
        ExecutorService thread = Executors.newSingleThreadExecutor(threadFactory);
        return new ApplyExecutor() {
            @Override
            public void execute(Runnable task) {
                thread.execute(task);
            }

            @Override
            public void close(long timeoutMillis) {
                thread.shutdown();
                try {
                    if (!thread.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
                        thread.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    thread.shutdownNow();
                }
            }
        };
    }
}
