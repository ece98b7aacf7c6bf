package dev.raftkv.server;

import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code Forward} call to another node, as the {@link WriteForwarder} uses it. The
 * production implementation is {@link PeerTransport}; the deterministic simulator has
 * its own.
 *
 * <p>Contract: {@link #forward} never blocks and may be called from the event loop. The
 * future completes once, on any thread: with the node's answer; with a
 * {@link io.grpc.StatusRuntimeException} carrying the node's failure status or the
 * call's own (UNAVAILABLE also when the connection broke after the request was sent, so
 * it does not prove the request was not taken; DEADLINE_EXCEEDED when
 * {@code timeoutMillis} from the call passed); or with another exception when the request was never
 * sent (no connection to that node exists).
 */
interface ForwardCalls {

    CompletableFuture<ForwardResponse> forward(String nodeId, ForwardRequest request, long timeoutMillis);
}
