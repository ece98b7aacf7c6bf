package dev.raftkv.liberty.admin;

/**
 * The body of {@code POST /admin/v1/members}.
 *
 * @param id the new node's id
 * @param peerAddress {@code host:port} of its peer service
 * @param clientAddress {@code host:port} of its client service (optional)
 */
public record AddMemberRequest(String id, String peerAddress, String clientAddress) {
}
