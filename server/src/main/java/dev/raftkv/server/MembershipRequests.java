package dev.raftkv.server;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.raft.Proposal;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.RefusedException;
import dev.raftkv.raft.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Administrators' requests to the cluster: membership changes (thesis §4.1) and
 * leadership transfers (§3.10). The leader carries them out and answers once they took
 * effect; any other node passes them on to the leader it knows (once: a request
 * forwarded here is not forwarded again) and answers with the leader's answer.
 *
 * <p>Threading: everything but the static checks runs on the event loop, which owns the
 * core; answers complete futures on the apply thread or gRPC threads.
 */
final class MembershipRequests {

    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** A leadership transfer this node, as leader, waits to see complete. */
    private record PendingTransfer(String target, long deadlineNanos, CompletableFuture<String> future) {
    }

    private final String nodeId;
    private final RaftNode core;
    private final Applier applier;
    private final ForwardCalls transport;
    private final Supplier<List<dev.raftkv.proto.Member>> knownAddresses;
    private final TransitionLog transitions;
    private final LongSupplier nanoClock;
    private final Supplier<String> lastKnownLeader;
    private final List<PendingTransfer> pendingTransfers = new ArrayList<>();

    /**
     * @param knownAddresses every member address this node knows ({@link MemberDirectory#knownAddresses()}),
     *     written into the configuration a change proposes
     * @param transport the {@code Forward} call to the leader, for requests this node does not lead
     */
    MembershipRequests(String nodeId, RaftNode core, Applier applier, ForwardCalls transport,
                       Supplier<List<dev.raftkv.proto.Member>> knownAddresses, TransitionLog transitions,
                       LongSupplier nanoClock, Supplier<String> lastKnownLeader) {
        this.nodeId = nodeId;
        this.core = core;
        this.applier = applier;
        this.transport = transport;
        this.knownAddresses = knownAddresses;
        this.transitions = transitions;
        this.nanoClock = nanoClock;
        this.lastKnownLeader = lastKnownLeader;
    }

    /** Why {@code change} is malformed, or null. Any thread. */
    static String validate(ConfChange change) {
        if (!NODE_ID.matcher(change.getNodeId()).matches()) {
            return "node id '" + change.getNodeId() + "' must be 1 to 64 letters, digits, '.', '_' or '-'";
        }
        if (change.getType() == ConfChangeType.CONF_CHANGE_ADD_LEARNER) {
            if (change.getPeerAddress().isEmpty()) {
                return "a new member needs its peer address (host:port)";
            }
            try {
                Member.of(change.getNodeId(), change.getPeerAddress(), change.getClientAddress());
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        } else if (change.getType() != ConfChangeType.CONF_CHANGE_PROMOTE
                && change.getType() != ConfChangeType.CONF_CHANGE_REMOVE) {
            return "unknown membership change type " + change.getType();
        }
        return null;
    }

    /** Why {@code target} cannot name a node, or null. Any thread. */
    static String validateTarget(String target) {
        return target != null && NODE_ID.matcher(target).matches() ? null
                : "target node id '" + target + "' must be 1 to 64 letters, digits, '.', '_' or '-'";
    }

    /** Proposes a (valid) membership change as leader, or passes it on to the leader. Event loop. */
    void changeMembership(ConfChange change, long deadlineNanos, CompletableFuture<RaftServer.ConfApplied> future,
                          boolean forwarded) {
        if (core.role() != Role.LEADER) {
            forwardToLeader(ForwardRequest.newBuilder().setConfChange(change).build(), deadlineNanos, forwarded,
                    future, response -> new RaftServer.ConfApplied(response.getConf(), response.getIndex()));
            return;
        }
        try {
            // the new configuration carries every member's address, for nodes that know only the log
            Proposal proposal = core.proposeConfChange(change, knownAddresses.get());
            ConfState next = core.confState();
            CompletableFuture<Applied> applied = new CompletableFuture<>();
            applier.await(proposal.firstIndex(), proposal.term(), deadlineNanos, applied);
            applied.whenComplete((a, e) -> {
                if (e == null) {
                    future.complete(new RaftServer.ConfApplied(next, a.index()));
                } else {
                    future.completeExceptionally(e);
                }
            });
            transitions.event("membership-proposed", core.term(), "change=" + change.getType() + " node="
                    + change.getNodeId() + " index=" + proposal.firstIndex());
        } catch (RefusedException e) {
            future.completeExceptionally(refused(e));
        }
    }

    /** Starts handing leadership to {@code target} as leader, or passes the request on. Event loop. */
    void transferLeadership(String target, long deadlineNanos, CompletableFuture<String> future, boolean forwarded) {
        if (core.role() != Role.LEADER) {
            if (target.equals(core.leaderId())) {
                future.complete(target);
            } else {
                forwardToLeader(ForwardRequest.newBuilder().setTransferTo(target).build(), deadlineNanos, forwarded,
                        future, ForwardResponse::getLeaderId);
            }
            return;
        }
        if (target.equals(nodeId)) {
            future.complete(target);
            return;
        }
        if (!core.voters().contains(target) && !core.learners().contains(target)) {
            future.completeExceptionally(new RequestFailedException(Status.NOT_FOUND.withDescription(
                    "NOT_A_MEMBER: node " + target + " is not a member"), nodeId));
            return;
        }
        try {
            core.transferLeadership(target);
            pendingTransfers.add(new PendingTransfer(target, deadlineNanos, future));
            transitions.event("transfer", core.term(), "to=" + target);
        } catch (RefusedException e) {
            future.completeExceptionally(refused(e));
        }
    }

    /** The leader changed to {@code leaderId} (null: none known): transfers waiting on it are over. Event loop. */
    void leaderChanged(String leaderId) {
        for (Iterator<PendingTransfer> it = pendingTransfers.iterator(); it.hasNext();) {
            PendingTransfer t = it.next();
            if (t.target().equals(leaderId)) {
                it.remove();
                t.future().complete(t.target());
            } else if (leaderId != null && !leaderId.equals(nodeId)) {
                it.remove();
                t.future().completeExceptionally(new RequestFailedException(Status.ABORTED.withDescription(
                        "leadership went to " + leaderId + " instead of " + t.target()), leaderId));
            }
        }
    }

    /** Fails transfers past their deadline, or that the core gave up. Event loop. */
    void expire(long nowNanos) {
        for (Iterator<PendingTransfer> it = pendingTransfers.iterator(); it.hasNext();) {
            PendingTransfer t = it.next();
            boolean abandoned = core.role() == Role.LEADER && core.leadTransferee() == null;
            if (abandoned || t.deadlineNanos() - nowNanos < 0) {
                it.remove();
                t.future().completeExceptionally(new RequestFailedException((abandoned ? Status.ABORTED
                        : Status.DEADLINE_EXCEEDED).withDescription("node " + t.target() + " did not take over"
                        + (abandoned ? " within an election timeout" : " before the deadline")
                        + "; node " + nodeId + " still leads"), nodeId));
            }
        }
    }

    /** The node stops: fails the transfers still waiting. Event loop. */
    void failAll(Throwable error) {
        pendingTransfers.forEach(t -> t.future().completeExceptionally(error));
        pendingTransfers.clear();
    }

    /**
     * A leader-only request reached a node that does not lead: passes it on to the leader
     * (unless it was forwarded here already) and completes {@code future} with the
     * leader's answer, or fails it UNAVAILABLE when no leader is known.
     */
    private <T> void forwardToLeader(ForwardRequest request, long deadlineNanos, boolean forwarded,
                                     CompletableFuture<T> future, Function<ForwardResponse, T> answer) {
        String leader = core.leaderId();
        if (forwarded) {
            future.completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                    "node " + nodeId + " is no longer the leader"), lastKnownLeader.get()));
        } else if (leader == null) {
            future.completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                    "no leader is known to node " + nodeId + " (an election is under way); retry shortly"),
                    lastKnownLeader.get()));
        } else {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - nanoClock.getAsLong());
            transport.forward(leader, request, remainingMillis).whenComplete((response, error) -> {
                if (error == null) {
                    future.complete(answer.apply(response));
                } else if (error instanceof StatusRuntimeException sre) {
                    future.completeExceptionally(new RequestFailedException(sre.getStatus(), leader));
                } else {
                    future.completeExceptionally(new RequestFailedException(Status.UNAVAILABLE.withDescription(
                            "forwarding to leader " + leader + " failed: " + error), leader));
                }
            });
        }
    }

    private RequestFailedException refused(RefusedException e) {
        Status status = switch (e.reason()) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case ALREADY_MEMBER -> Status.ALREADY_EXISTS;
            case NOT_A_MEMBER -> Status.NOT_FOUND;
            case CHANGE_PENDING, LEADER_NOT_READY, TRANSFER_IN_PROGRESS -> Status.UNAVAILABLE;
            case NOT_A_LEARNER, TARGET_LAGGING, LAST_VOTER, NOT_A_VOTER -> Status.FAILED_PRECONDITION;
        };
        return new RequestFailedException(status.withDescription(e.reason() + ": " + e.getMessage()), core.leaderId());
    }
}
