package dev.raftkv.server;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A thread of its own for one job, as the driver's parts use it: the apply path's (the
 * {@link Applier}: committed entries applied, snapshots installed, reads served) and the
 * snapshot writer's (the {@link Snapshotter}).
 *
 * <p>Contract (the style of MicroRaft's {@code RaftNodeExecutor}):
 * <ul>
 *   <li><b>Order.</b> Tasks run one at a time, in the order {@link #execute} was called, and
 *       each sees everything the ones before it did. Nothing else touches what the tasks
 *       own (the state machine, for the apply thread), so they need no locks for it.</li>
 *   <li><b>Threading and blocking.</b> {@link #execute} is called from the event loop, the
 *       apply thread or the snapshot writer and never blocks or runs the task on the
 *       caller's stack: applying overlaps with the next round of replication, writing a
 *       snapshot with applying. A task may run any time later; the caller must not
 *       assume it has run.</li>
 *   <li><b>Failure.</b> A task that throws ends that task only; its owner records the error
 *       itself (the {@link Applier} then refuses further work). After {@link #close},
 *       {@link #execute} throws {@link RejectedExecutionException}.</li>
 * </ul>
 * Production uses {@link #thread}; the deterministic simulator runs tasks as events of
 * its own queue, a random while later, to widen the windows between commit, apply and a
 * snapshot becoming durable.
 */
interface SerialExecutor {

    /** Queues {@code task} behind every task queued before. Never blocks. */
    void execute(Runnable task);

    /** Stops taking tasks and lets those queued finish, waiting up to {@code timeoutMillis}; then drops the rest. */
    void close(long timeoutMillis);

    /** One dedicated thread from {@code threadFactory}. */
    static SerialExecutor thread(ThreadFactory threadFactory) {
        ExecutorService thread = Executors.newSingleThreadExecutor(threadFactory);
        return new SerialExecutor() {
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
