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

    /**
     * A member from its addresses as a configuration carries them.
     *
     * @param peerAddress {@code host:port}
     * @param clientAddress {@code host:port}, or empty/null when not known
     * @throws IllegalArgumentException if an address is not {@code host:port}
     */
    public static Member of(String id, String peerAddress, String clientAddress) {
        int colon = peerAddress.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("peer address '" + peerAddress + "' of " + id + " is not host:port");
        }
        int peerPort = port(peerAddress.substring(colon + 1), peerAddress);
        int clientPort = 0;
        if (clientAddress != null && !clientAddress.isEmpty()) {
            int c = clientAddress.lastIndexOf(':');
            if (c <= 0) {
                throw new IllegalArgumentException("client address '" + clientAddress + "' of " + id
                        + " is not host:port");
            }
            clientPort = port(clientAddress.substring(c + 1), clientAddress);
        }
        return new Member(id, peerAddress.substring(0, colon), peerPort, clientPort);
    }

    private static int port(String text, String address) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + address + "' does not end with a port in 1..65535");
    }

    /** {@code host:clientPort}, or null when the client port is not known. */
    public String clientAddress() {
        return clientPort == 0 ? null : host + ":" + clientPort;
    }
}
