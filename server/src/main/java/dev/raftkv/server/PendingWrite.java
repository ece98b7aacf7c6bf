package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import java.util.concurrent.CompletableFuture;

/**
 * A write waiting on this node: proposed here when it leads, else forwarded to the
 * leader ({@link WriteForwarder}), until it has its final answer in {@link #future}.
 *
 * <p>The mutable fields belong to the event loop.
 */
final class PendingWrite {

    final long deadlineNanos;
    final CompletableFuture<Applied> future;
    /** Forwarded here by another node: never forwarded again. */
    final boolean forwarded;
    /** The client's own session protects it: the state machine applies any copy once. */
    boolean clientSession;
    /** A session-less put, delete, add or compare-and-set: stamped before its first forward. */
    boolean stampable;
    /** As proposed or forwarded: the client's command, or that command under the forwarding session. */
    ByteString command;
    /** The forwarding session's stamp, once given. */
    ForwardingSession.Stamp stamp;
    /** How many times it was sent to a leader. */
    int sends;
    /** A send failed in a way that does not prove the leader did not take it: its outcome is unknown until answered. */
    boolean mayHaveBeenTaken;

    /**
     * @param command the client's command, to classify it
     * @param bytes the command as it goes into the log (stamped with this node's clock)
     */
    PendingWrite(Command command, ByteString bytes, long deadlineNanos, CompletableFuture<Applied> future,
                 boolean forwarded) {
        this.command = bytes;
        this.deadlineNanos = deadlineNanos;
        this.future = future;
        this.forwarded = forwarded;
        Command.OpCase op = command.getOpCase();
        this.clientSession = command.getSessionId() != 0 && op != Command.OpCase.OPEN_SESSION
                && op != Command.OpCase.CLOSE_SESSION;
        this.stampable = command.getSessionId() == 0 && (op == Command.OpCase.PUT || op == Command.OpCase.DELETE
                || op == Command.OpCase.ADD || op == Command.OpCase.COMPARE_AND_SET
                || op == Command.OpCase.ETCD_REQUEST || op == Command.OpCase.ETCD_COMPACT);
    }

    /** Whether sending it again cannot apply it twice: the state machine recognises every copy. */
    boolean deduplicated() {
        return clientSession || stamp != null;
    }

    /**
     * Fails this write, which never got its final answer, with {@code error} — unless a
     * leader it was sent to may have taken it: then its outcome is unknown.
     */
    void fail(Throwable error) {
        if (mayHaveBeenTaken) {
            future.completeExceptionally(new RequestFailedException(io.grpc.Status.ABORTED.withDescription(
                    "outcome unknown: the write was sent to a leader that did not answer, and "
                            + error.getMessage() + "; it may or may not have taken effect"), null));
        } else {
            future.completeExceptionally(error);
        }
    }
}
