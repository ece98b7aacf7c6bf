package dev.raftkv.server;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of a node that was removed from the cluster to every client request:
 * FAILED_PRECONDITION, refused before anything reached the log, naming the members to
 * send the request to instead ({@link dev.raftkv.proto.Trailers#MEMBERS}).
 */
public final class NodeRemovedException extends RequestFailedException {

    private static final long serialVersionUID = 1L;

    private final transient Map<String, String> memberClientAddresses;

    /**
     * @param why how the node learned it (which configuration, told by whom)
     * @param memberClientAddresses the remaining members, id to client {@code host:port} (null when unknown)
     */
    NodeRemovedException(String nodeId, String why, Map<String, String> memberClientAddresses) {
        super(Status.FAILED_PRECONDITION.withDescription(describe(nodeId, why, memberClientAddresses)), null);
        this.memberClientAddresses = new LinkedHashMap<>(memberClientAddresses);
    }

    private static String describe(String nodeId, String why, Map<String, String> members) {
        StringBuilder text = new StringBuilder("NODE_REMOVED: node ").append(nodeId)
                .append(" was removed from the cluster (").append(why).append(") and serves no requests; ");
        if (members.isEmpty()) {
            return text.append("no member of the cluster is known to it").toString();
        }
        text.append("ask one of its members:");
        members.forEach((id, address) -> text.append(' ').append(id).append(address == null
                ? " (client address unknown)" : " at " + address).append(','));
        text.setLength(text.length() - 1);
        return text.toString();
    }

    /** The remaining members with a known client address, as the {@code raftkv-members} trailer says them. */
    String membersTrailer() {
        StringBuilder text = new StringBuilder();
        memberClientAddresses.forEach((id, address) -> {
            if (address != null) {
                text.append(text.length() == 0 ? "" : ",").append(id).append('=').append(address);
            }
        });
        return text.toString();
    }
}
