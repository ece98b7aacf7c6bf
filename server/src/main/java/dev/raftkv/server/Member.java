package dev.raftkv.server;

/**
 * A cluster member as configured: {@code id=host:peerPort} or {@code id=host:peerPort:clientPort}.
 *
 * @param clientPort the member's client port, 0 when not configured
 */
public record Member(String id, String host, int peerPort, int clientPort) {

    public String peerAddress() {
        return host + ":" + peerPort;
    }

    /** {@code host:clientPort}, or null when the client port is not known. */
    public String clientAddress() {
        return clientPort == 0 ? null : host + ":" + clientPort;
    }
}
