package dev.raftkv.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import dev.raftkv.proto.AddRequest;
import dev.raftkv.proto.CompareAndSetRequest;
import dev.raftkv.proto.DeleteRequest;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.ServerLimits;
import dev.raftkv.proto.StatusResponse;
import io.grpc.Status;

/**
 * The cluster's size limits as the client knows them, and the check of a request against
 * them before it is sent: a request the nodes would refuse for its size is refused here, with
 * {@link InvalidArgumentException} naming the limit and its setting, and never sent.
 *
 * <p>The limits come from {@code Status} answers ({@link ServerLimits}); the latest one seen
 * wins (nodes of one cluster normally share their settings). Until the client knows them,
 * requests up to {@link #UNCHECKED_BYTES} are sent unchecked: they cannot exceed any node's
 * gRPC message limit, and a key or value over its setting is refused by the node with the same
 * clear INVALID_ARGUMENT in one round trip. A larger request waits for the limits (see
 * {@link Admission}). A node too old to report limits leaves them unknown.
 *
 * <p>Thread-safe.
 */
final class RequestLimits {

    /**
     * Requests up to this many bytes are sent without known limits: far below the 64 MiB every
     * node's gRPC port reads.
     */
    static final int UNCHECKED_BYTES = 1 << 20;
    /** What a {@code Kv.Pipeline} request adds around a request (its id, timeout and field tag), at most. */
    static final int PIPELINE_OVERHEAD_BYTES = 32;

    private volatile ServerLimits known;

    /** The limits learned so far, or null. */
    ServerLimits known() {
        return known;
    }

    /** Learns the limits of a {@code Status} answer, when it has them. */
    void learn(StatusResponse status) {
        ServerLimits limits = status.getLimits();
        if (limits.getMaxMessageBytes() > 0) {
            known = limits;
        }
    }

    /** Whether {@code request} must wait until the limits are known before it is sent. */
    boolean mustLearnFirst(MessageLite request) {
        return known == null && request.getSerializedSize() > UNCHECKED_BYTES;
    }

    /**
     * Why {@code limits} refuse {@code request}, or null when it fits.
     *
     * @param method the bare method name, for the message
     */
    static String violation(String method, MessageLite request, ServerLimits limits) {
        String field = null;
        ByteString key = null;
        if (request instanceof PutRequest put) {
            key = put.getKey();
            field = valueViolation("value", put.getValue(), limits);
        } else if (request instanceof CompareAndSetRequest cas) {
            key = cas.getKey();
            field = valueViolation("new_value", cas.getNewValue(), limits);
            if (field == null) {
                field = valueViolation("expected_value", cas.getExpectedValue(), limits);
            }
        } else if (request instanceof GetRequest get) {
            key = get.getKey();
        } else if (request instanceof DeleteRequest delete) {
            key = delete.getKey();
        } else if (request instanceof AddRequest add) {
            key = add.getKey();
        }
        if (key != null && key.size() > limits.getMaxKeyBytes()) {
            return "key is " + key.size() + " bytes; the limit is " + limits.getMaxKeyBytes()
                    + " (raftkv.kv.max-key-bytes); the " + method + " was not sent";
        }
        if (field != null) {
            return field + "; the " + method + " was not sent";
        }
        long size = (long) request.getSerializedSize() + PIPELINE_OVERHEAD_BYTES;
        if (size > limits.getMaxMessageBytes()) {
            return "the " + method + " request is " + request.getSerializedSize() + " bytes; a node reads gRPC messages"
                    + " of at most " + limits.getMaxMessageBytes() + " bytes; it was not sent";
        }
        return null;
    }

    private static String valueViolation(String field, ByteString value, ServerLimits limits) {
        if (value.size() > limits.getMaxValueBytes()) {
            return field + " is " + value.size() + " bytes; the limit is " + limits.getMaxValueBytes()
                    + " (raftkv.kv.max-value-bytes)";
        }
        return null;
    }

    /**
     * Whether {@code status} is gRPC's refusal of an over-long message: a node's (the request)
     * or this client's (the answer). Unlike a full proposal queue's RESOURCE_EXHAUSTED it can
     * never succeed on a retry. gRPC sends no code of its own for it, so its description tells.
     */
    static boolean isMessageTooLarge(Status status) {
        return status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null
                && status.getDescription().startsWith("gRPC message exceeds maximum size");
    }
}
