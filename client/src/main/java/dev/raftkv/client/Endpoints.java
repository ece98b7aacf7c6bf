package dev.raftkv.client;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Parses the client address list {@code host:port,host:port,...}. Any thread. */
public final class Endpoints {

    /** The local three-node cluster of the README. */
    public static final String DEFAULT = "127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003";

    private Endpoints() {
    }

    /**
     * The distinct addresses of a comma-separated list, in order, blanks trimmed.
     *
     * @throws IllegalArgumentException when the list is empty or an entry is not
     *     {@code host:port} with a port in 1..65535
     */
    public static List<String> parse(String commaSeparated) {
        LinkedHashSet<String> addresses = new LinkedHashSet<>();
        for (String part : commaSeparated.split(",", -1)) {
            String address = part.trim();
            if (address.isEmpty()) {
                continue;
            }
            requireHostPort(address);
            addresses.add(address);
        }
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no endpoints given (expected host:port,host:port,...)");
        }
        return List.copyOf(new ArrayList<>(addresses));
    }

    static void requireHostPort(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("endpoint '" + address + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint '" + address + "' has a non-numeric port", e);
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("endpoint '" + address + "' has port " + port + " outside 1..65535");
        }
    }
}
