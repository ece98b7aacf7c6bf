package dev.raftkv.client;

import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.OpenSessionRequest;
import dev.raftkv.proto.OpenSessionResponse;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * Holds the client's current session, opened lazily by the first write. Concurrent writes
 * share one {@code OpenSession} call. A failed open is forgotten so the next write tries
 * again; an expired session is replaced only once however many writes notice it.
 * Thread-safe.
 */
final class SessionManager {

    private final Caller caller;
    private CompletableFuture<ClientSession> current;

    SessionManager(Caller caller) {
        this.caller = caller;
    }

    /** The open session, or a future of the one being opened. */
    synchronized CompletableFuture<ClientSession> current() {
        if (current == null || current.isCompletedExceptionally()) {
            current = open();
        }
        return current;
    }

    /** Drops {@code expired} so the next write opens a new session; no-op if already replaced. */
    synchronized void invalidate(ClientSession expired) {
        if (current != null && current.isDone() && !current.isCompletedExceptionally()
                && current.join() == expired) {
            current = null;
        }
    }

    private CompletableFuture<ClientSession> open() {
        // Not exactly-once itself: a retried open may leave an unused session behind,
        // which the servers expire when it has been idle long enough.
        return caller.call(false, null, caller.newOperationDeadline(), KvGrpc.getOpenSessionMethod(),
                OpenSessionRequest::getDefaultInstance, OpenSessionResponse::getHeader,
                Answers.read(response -> {
                    if (response.getSessionId() == 0) {
                        throw new RaftKvException("OpenSession answered session id 0", Status.Code.INTERNAL, null);
                    }
                    return new ClientSession(response.getSessionId());
                }));
    }
}
