package dev.raftkv.proto;

import io.grpc.Metadata;
import io.grpc.protobuf.ProtoUtils;

/**
 * Metadata keys of the client protocol's error answers, shared by server and client.
 *
 * <ul>
 *   <li>{@code UNAVAILABLE}: no leader could take the request (an election is under way,
 *       or this node is cut off); {@link #LEADER_ID} and {@link #LEADER_ADDRESS} name the
 *       last known leader when there is one. Safe to retry, with the same write header.</li>
 *   <li>{@code RESOURCE_EXHAUSTED}: the node's proposal queue is full; retry later. Except when
 *       gRPC itself refused a message as too long (description "gRPC message exceeds maximum
 *       size ..."; the node's limit is {@code ServerLimits.max_message_bytes} in Status): the
 *       request was not read, nothing was applied, and a retry cannot succeed.</li>
 *   <li>{@code INVALID_ARGUMENT}: the request is malformed (the description names the field
 *       and the limit); nothing reached the log; do not retry.</li>
 *   <li>{@code FAILED_PRECONDITION} / {@code OUT_OF_RANGE}: the command was applied and
 *       its result is an error (CAS mismatch, ADD on a non-number, overflow, expired
 *       session); {@link #RESULT} holds the {@link CommandResult}. Also: the answering node
 *       was removed from the cluster and refused the request before it reached the log;
 *       {@link #MEMBERS} names the members to ask instead.</li>
 *   <li>{@code DEADLINE_EXCEEDED}, {@code ABORTED}: the outcome of a write is unknown (the
 *       deadline passed, or the leader lost leadership after proposing it); retrying it with
 *       the same write header applies it at most once.</li>
 * </ul>
 */
public final class Trailers {

    /** Id of the leader the answering node knows of. */
    public static final Metadata.Key<String> LEADER_ID =
            Metadata.Key.of("raftkv-leader-id", Metadata.ASCII_STRING_MARSHALLER);

    /** Client address ({@code host:port}) of that leader. */
    public static final Metadata.Key<String> LEADER_ADDRESS =
            Metadata.Key.of("raftkv-leader-address", Metadata.ASCII_STRING_MARSHALLER);

    /** The state machine's result of a command whose outcome is an error. */
    public static final Metadata.Key<CommandResult> RESULT =
            ProtoUtils.keyForProto(CommandResult.getDefaultInstance());

    /**
     * On the {@code FAILED_PRECONDITION} answer of a node that was removed from the cluster
     * (description {@code NODE_REMOVED: ...}; nothing reached the log): the members it knows,
     * as {@code id=host:clientPort} separated by commas, to send the request to instead.
     * Members whose client address it does not know are left out.
     */
    public static final Metadata.Key<String> MEMBERS =
            Metadata.Key.of("raftkv-members", Metadata.ASCII_STRING_MARSHALLER);

    private Trailers() {
    }
}
