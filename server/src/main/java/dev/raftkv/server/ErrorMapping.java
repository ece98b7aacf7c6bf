package dev.raftkv.server;

import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.Trailers;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;

/** Turns a node's failures and error results into gRPC statuses with the trailers of {@link Trailers}. */
final class ErrorMapping {

    private ErrorMapping() {
    }

    /**
     * A node removed from the cluster answers every request at once with FAILED_PRECONDITION
     * naming the members to ask instead (a client pointed only at it would otherwise wait
     * out its deadline); nothing reaches the log. Returns whether it refused.
     */
    static boolean refusedAsRemoved(RaftServer server, NodeConfig config, StreamObserver<?> out) {
        NodeRemovedException removed = server.removedError();
        if (removed == null) {
            return false;
        }
        out.onError(toStatus(removed, config));
        return true;
    }

    static StatusRuntimeException toStatus(Throwable error, NodeConfig config) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RequestFailedException failed) {
            Metadata trailers = new Metadata();
            if (failed.leaderId() != null) {
                trailers.put(Trailers.LEADER_ID, failed.leaderId());
                Member leader = config.members().get(failed.leaderId());
                if (leader != null && leader.clientAddress() != null) {
                    trailers.put(Trailers.LEADER_ADDRESS, leader.clientAddress());
                }
            }
            if (failed instanceof NodeRemovedException removed && !removed.membersTrailer().isEmpty()) {
                trailers.put(Trailers.MEMBERS, removed.membersTrailer());
            }
            return failed.status().asRuntimeException(trailers);
        }
        if (cause instanceof StatusRuntimeException sre) {
            return sre;
        }
        return Status.INTERNAL.withDescription(String.valueOf(cause)).withCause(cause).asRuntimeException();
    }

    /** The status of an applied command whose result is an error, carrying the result. */
    static StatusRuntimeException forResult(CommandResult result) {
        Status status = switch (result.getCode()) {
            case OVERFLOW -> Status.OUT_OF_RANGE;
            default -> Status.FAILED_PRECONDITION;
        };
        Metadata trailers = new Metadata();
        trailers.put(Trailers.RESULT, result);
        return status.withDescription(result.getCode() + ": " + result.getMessage()).asRuntimeException(trailers);
    }
}
