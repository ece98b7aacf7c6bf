package dev.raftkv.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.SocketAddress;
import java.util.logging.Filter;
import java.util.logging.Logger;

/**
 * Requests larger than {@link #MAX_MESSAGE_BYTES}: gRPC refuses them before any handler runs
 * (RESOURCE_EXHAUSTED "gRPC message exceeds maximum size", or a reset of a whole
 * {@code Pipeline} stream), and grpc-netty logs each refusal as a WARNING with a stack trace.
 * This class replaces that with one line per refused request, naming the method, the sender
 * and the limit: a {@link ServerStreamTracer} sees every stream end with its status, and a
 * {@link Filter} on grpc-netty's logger drops exactly the stack-trace record of this case (its
 * other deframing failures are still logged by gRPC).
 *
 * <p>Thread-safe: tracers are per stream; the filter is installed once per JVM.
 */
final class OversizedMessages extends ServerStreamTracer.Factory {

    /**
     * The largest gRPC message the node's client and peer ports read. Every valid request fits:
     * a compare-and-set of the largest key ({@code raftkv.kv.max-key-bytes} ≤ 1 MiB) and two of
     * the largest values ({@code raftkv.kv.max-value-bytes} ≤ 8 MiB) is below 18 MiB, and a
     * forwarded batch or an AppendEntries message is cut well below it.
     */
    static final int MAX_MESSAGE_BYTES = 64 << 20;

    private static final System.Logger LOG = System.getLogger(OversizedMessages.class.getName());
    /** The text grpc-java's deframer gives the status of an over-long message. */
    private static final String GRPC_TOO_LARGE = "gRPC message exceeds maximum size";
    /**
     * grpc-netty's logger of deframing failures (the class is package-private in the shaded
     * jar). Held strongly: java.util.logging keeps loggers weakly, and a collected logger would
     * lose its filter.
     */
    private static final Logger GRPC_DEFRAME_LOG =
            Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    static {
        Filter previous = GRPC_DEFRAME_LOG.getFilter();
        GRPC_DEFRAME_LOG.setFilter(record -> !isTooLarge(record.getThrown())
                && (previous == null || previous.isLoggable(record)));
    }

    /** Whether {@code error} is gRPC's refusal of an over-long message (on either side of a call). */
    static boolean isTooLarge(Throwable error) {
        return error instanceof StatusRuntimeException refused && isTooLarge(refused.getStatus());
    }

    static boolean isTooLarge(Status status) {
        return status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null
                && status.getDescription().startsWith(GRPC_TOO_LARGE);
    }

    private final String nodeId;
    private final String port;

    /**
     * @param nodeId this node's id, for the log line
     * @param port which port the tracer watches ({@code client} or {@code peer}), for the log line
     */
    OversizedMessages(String nodeId, String port) {
        this.nodeId = nodeId;
        this.port = port;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
            private volatile SocketAddress remote;

            @Override
            public void serverCallStarted(ServerCallInfo<?, ?> callInfo) {
                remote = callInfo.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            }

            @Override
            public void streamClosed(Status status) {
                if (isTooLarge(status)) {
                    LOG.log(System.Logger.Level.WARNING, "node " + nodeId + " refused a " + fullMethodName
                            + " request on its " + port + " port from " + (remote == null ? "an unknown address" : remote)
                            + ": " + status.getDescription() + " (the limit is " + MAX_MESSAGE_BYTES
                            + " bytes; nothing was applied)");
                }
            }
        };
    }
}
