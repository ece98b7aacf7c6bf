package dev.raftkv.sim;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * A thread of one life of a simulated node (its apply thread, its snapshot writer): tasks
 * run one at a time in the order queued, each a random 0 to {@code maxDelayMillis} ms
 * after the one before, as events of the simulator's queue. Nothing runs while the
 * process is paused, and nothing queued survives a crash.
 */
final class SimThread {

    private final SimNode node;
    private final int incarnation;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final int maxDelayMillis;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean scheduled;

    SimThread(SimNode node, EventQueue queue, SplittableRandom random, int maxDelayMillis) {
        this.node = node;
        this.incarnation = node.incarnation();
        this.queue = queue;
        this.random = random;
        this.maxDelayMillis = maxDelayMillis;
    }

    void execute(Runnable task) {
        tasks.addLast(task);
        schedule();
    }

    /** Queues {@code task} ahead of the others (only a mutation does this). */
    void executeFirst(Runnable task) {
        tasks.addFirst(task);
        schedule();
    }

    private void schedule() {
        if (!scheduled && !tasks.isEmpty()) {
            scheduled = true;
            queue.after(random.nextInt(maxDelayMillis + 1), this::runNext);
        }
    }

    private void runNext() {
        if (!node.isUp() || node.incarnation() != incarnation || node.deferredWhilePaused(this::runNext)) {
            return;
        }
        scheduled = false;
        Runnable task = tasks.pollFirst();
        if (task != null) {
            task.run();
        }
        schedule();
    }
}
