package dev.raftkv.server;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.RefusedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The production {@link MembershipRequests} of one simulated node: membership changes and
 * leadership transfers proposed as leader (answered once applied, through the node's
 * production {@link Applier}) or passed to the leader over the simulator's {@code Forward}
 * call. Everything runs on the simulator's one thread; transition lines are dropped.
 */
public final class SimulatedMembership {

    /** A logger that drops everything: the simulator runs millions of transitions. */
    static final System.Logger SILENT = new System.Logger() {
        @Override
        public String getName() {
            return "dev.raftkv.transitions.simulated";
        }

        @Override
        public boolean isLoggable(Level level) {
            return false;
        }

        @Override
        public void log(Level level, java.util.ResourceBundle bundle, String message, Throwable thrown) {
        }

        @Override
        public void log(Level level, java.util.ResourceBundle bundle, String format, Object... params) {
        }
    };

    private final MembershipRequests requests;

    public SimulatedMembership(String nodeId, RaftNode core, SimulatedApplier applier, SimulatedForwarder.Calls calls,
                               Supplier<Long> nowMillis, Supplier<String> lastKnownLeader) {
        this.requests = new MembershipRequests(nodeId, core, applier.applier(), calls::forward, List::of,
                new TransitionLog(nodeId, SILENT), () -> TimeUnit.MILLISECONDS.toNanos(nowMillis.get()),
                lastKnownLeader);
    }

    /**
     * A membership change asked of this node ({@code forwarded}: by another node, so not
     * passed on again): the future completes with the index it was applied at here, or
     * fails; a refusal fails it at once.
     */
    public CompletableFuture<ForwardResponse> change(ConfChange change, long deadlineMillis, boolean forwarded) {
        CompletableFuture<RaftServer.ConfApplied> future = new CompletableFuture<>();
        requests.changeMembership(change, TimeUnit.MILLISECONDS.toNanos(deadlineMillis), future, forwarded);
        return future.thenApply(a -> ForwardResponse.newBuilder().setConf(a.conf()).setIndex(a.index()).build());
    }

    /** A leadership transfer asked of this node: completes with the new leader once it took over. */
    public CompletableFuture<ForwardResponse> transfer(String target, long deadlineMillis, boolean forwarded) {
        CompletableFuture<String> future = new CompletableFuture<>();
        requests.transferLeadership(target, TimeUnit.MILLISECONDS.toNanos(deadlineMillis), future, forwarded);
        return future.thenApply(leader -> ForwardResponse.newBuilder().setLeaderId(leader).build());
    }

    /** The loop saw the leader change (null: none known). */
    public void leaderChanged(String leaderId) {
        requests.leaderChanged(leaderId);
    }

    /** Fails transfers past their deadline or given up, as the production loop does every few ticks. */
    public void expire(long nowMillis) {
        requests.expire(TimeUnit.MILLISECONDS.toNanos(nowMillis));
    }

    /**
     * The core's reason when {@code future} failed because the leader refused the request
     * ({@code "CHANGE_PENDING: ..."}), else null.
     */
    public static RefusedException.Reason refusal(CompletableFuture<?> future) {
        if (!future.isCompletedExceptionally()) {
            return null;
        }
        Throwable error = future.handle((v, e) -> e).join();
        String description = SimulatedApplier.status(error).getDescription();
        if (description == null) {
            return null;
        }
        for (RefusedException.Reason reason : RefusedException.Reason.values()) {
            if (description.startsWith(reason.name() + ":")) {
                return reason;
            }
        }
        return null;
    }
}
