package dev.raftkv.server;

import dev.raftkv.proto.Message;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStore.PendingSync;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The production {@link LogSync} for the simulator: each sync's second half runs as an
 * event a simulated fsync later ({@code afterFsync}), and its result is handled on the
 * simulated node ({@code toLoop}); a sync the loop must wait for completes at once.
 */
public final class SimulatedLogSync {

    private final LogSync sync;

    /**
     * @param afterFsync schedules a task a simulated fsync later (skipped if the node crashed meanwhile)
     * @param toLoop runs a task as the node's event loop would, then lets the node carry on
     */
    public SimulatedLogSync(LogStore disk, RaftNode core, Consumer<Message> send, Consumer<Runnable> toLoop,
                            Consumer<Runnable> afterFsync, LongSupplier nowMillis) {
        SyncRunner runner = new SyncRunner() {
            private PendingSync pending;

            @Override
            public void run(PendingSync sync, Consumer<Throwable> done) {
                pending = sync;
                afterFsync.accept(() -> {
                    if (pending == sync) {
                        pending = null;
                        done.accept(await(sync));
                    }
                });
            }

            @Override
            public Throwable finish() {
                PendingSync sync = pending;
                pending = null;
                return sync == null ? null : await(sync);
            }

            @Override
            public void close(long timeoutMillis) {
                pending = null;
            }
        };
        TimeSource time = new TimeSource() {
            @Override
            public long nanoTime() {
                return nowMillis.getAsLong() * 1_000_000;
            }

            @Override
            public long currentTimeMillis() {
                return nowMillis.getAsLong();
            }
        };
        this.sync = new LogSync(disk, core, send, toLoop, nanos -> { }, time, runner);
    }

    private static Throwable await(PendingSync sync) {
        try {
            sync.await();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** See {@link LogSync#mustSyncNow}. */
    public boolean mustSyncNow(Ready ready) {
        return sync.mustSyncNow(ready);
    }

    /** See {@link LogSync#persist}. */
    public void persist(Ready ready, boolean now) {
        sync.persist(ready, now);
    }

    /** See {@link LogSync#whenIdle}. */
    public void whenIdle(Runnable change) {
        sync.whenIdle(change);
    }
}
