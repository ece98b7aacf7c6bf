package dev.raftkv.client.fake;

import dev.raftkv.proto.WriteHeader;
import io.grpc.Deadline;

/**
 * One request as a fake node received it.
 *
 * @param nodeId the node that received it
 * @param method the bare gRPC method name ({@code Put}, {@code Get}, ...)
 * @param write the write header, or null for a request without one
 * @param deadline the call's deadline as the server saw it, or null
 */
public record Received(String nodeId, String method, WriteHeader write, Deadline deadline) {
}
