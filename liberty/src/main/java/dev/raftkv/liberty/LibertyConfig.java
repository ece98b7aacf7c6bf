package dev.raftkv.liberty;

import dev.raftkv.server.ConfigException;
import dev.raftkv.server.NodeConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;

/**
 * Reads the node's settings from MicroProfile Config: {@link NodeConfig}'s {@code raftkv.*} properties, checked
 * by {@link NodeConfig#load}, plus the checks that only make sense inside Liberty (the gRPC ports must not take
 * Liberty's HTTP ports) and the application's own settings.
 *
 * @param node the node's settings
 * @param adminUser {@code raftkv.admin.user}, empty when unset: then every admin request is refused
 * @param maxReadyApplyLag {@code raftkv.health.max-apply-lag}: readiness fails while the applied index trails
 *     the commit index by more entries than this
 * @param drainTimeoutMillis {@code raftkv.shutdown.drain-ms}: how long a stopping leader waits for a successor
 * @param adminTimeout {@code raftkv.admin.timeout-ms}: how long a membership change, transfer or snapshot request
 *     may take before the admin API answers 504
 */
public record LibertyConfig(NodeConfig node, Optional<String> adminUser, long maxReadyApplyLag,
                            long drainTimeoutMillis, Duration adminTimeout) {

    /**
     * @throws ConfigException naming the first property that is missing or wrong
     */
    public static LibertyConfig load(Config config) {
        return load(name -> config.getOptionalValue(name, String.class).map(String::strip).filter(v -> !v.isEmpty()));
    }

    /**
     * @param lookup property name to value, empty when unset
     * @throws ConfigException naming the first property that is missing or wrong
     */
    static LibertyConfig load(Function<String, Optional<String>> lookup) {
        NodeConfig node = NodeConfig.load(lookup);
        int httpPort = port(lookup, "raftkv.http.port", 9080);
        int httpsPort = port(lookup, "raftkv.https.port", 9443);
        for (String liberty : new String[] {"raftkv.http.port", "raftkv.https.port"}) {
            int libertyPort = liberty.equals("raftkv.http.port") ? httpPort : httpsPort;
            if (node.peerPort() == libertyPort) {
                throw new ConfigException("raftkv.peer.port", "clashes with " + liberty + ", Liberty's port (both "
                        + libertyPort + ")");
            }
            if (node.clientPort() == libertyPort) {
                throw new ConfigException("raftkv.client.port", "clashes with " + liberty + ", Liberty's port (both "
                        + libertyPort + ")");
            }
        }
        long maxLag = number(lookup, "raftkv.health.max-apply-lag", 1000, 0, Long.MAX_VALUE);
        long drainMillis = number(lookup, "raftkv.shutdown.drain-ms", 5000, 0, 600_000);
        long adminMillis = number(lookup, "raftkv.admin.timeout-ms", 15_000, 1, 600_000);
        return new LibertyConfig(node, lookup.apply("raftkv.admin.user"), maxLag, drainMillis,
                Duration.ofMillis(adminMillis));
    }

    private static int port(Function<String, Optional<String>> lookup, String name, int defaultValue) {
        return (int) number(lookup, name, defaultValue, 0, 65535);
    }

    private static long number(Function<String, Optional<String>> lookup, String name, long defaultValue, long min,
                               long max) {
        Optional<String> text = lookup.apply(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.get());
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "'" + text.get() + "' is not a whole number");
        }
        if (value < min || value > max) {
            throw new ConfigException(name, value + " is outside " + min + ".." + max);
        }
        return value;
    }
}
