package dev.raftkv.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * How a {@link RaftKvClient} connects and retries. Immutable; build with {@link #builder()}.
 *
 * @param endpoints client addresses ({@code host:port}) of some or all nodes; the client
 *     learns the others from {@code Status}
 * @param callTimeout deadline of one attempt (one gRPC call)
 * @param operationTimeout deadline of a whole operation, across all its attempts and backoff
 * @param initialBackoff ceiling of the first retry's jittered wait
 * @param maxBackoff largest ceiling of a retry's jittered wait
 * @param routing where requests go first
 * @param random jitter source; must be thread-safe (tests pass a seeded {@link Random})
 * @param pipelining whether gets and writes travel on one {@code Kv.Pipeline} stream per node
 *     (the default) rather than a unary call each; scans, sessions and status are always unary
 * @param credentials of the connections to the nodes: plaintext by default, TLS with {@link Builder#tls}
 */
public record ClientOptions(
        List<String> endpoints,
        Duration callTimeout,
        Duration operationTimeout,
        Duration initialBackoff,
        Duration maxBackoff,
        Routing routing,
        RandomGenerator random,
        boolean pipelining,
        ChannelCredentials credentials) {

    public ClientOptions {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is needed");
        }
        endpoints.forEach(Endpoints::requireHostPort);
        requirePositive(callTimeout, "callTimeout");
        requirePositive(operationTimeout, "operationTimeout");
        requirePositive(initialBackoff, "initialBackoff");
        requirePositive(maxBackoff, "maxBackoff");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
        }
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(credentials, "credentials");
    }

    private static void requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + duration);
        }
    }

    /** Options with the defaults: 5 s per call, 30 s per operation, backoff 20 ms up to 1 s, leader routing, pipelining. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects options; not thread-safe. */
    public static final class Builder {
        private List<String> endpoints = Endpoints.parse(Endpoints.DEFAULT);
        private Duration callTimeout = Duration.ofSeconds(5);
        private Duration operationTimeout = Duration.ofSeconds(30);
        private Duration initialBackoff = Duration.ofMillis(20);
        private Duration maxBackoff = Duration.ofSeconds(1);
        private Routing routing = Routing.LEADER;
        private RandomGenerator random = new Random();
        private boolean pipelining = true;
        private ChannelCredentials credentials = InsecureChannelCredentials.create();

        private Builder() {
        }

        /** A comma-separated {@code host:port} list; see {@link Endpoints#parse(String)}. */
        public Builder endpoints(String commaSeparated) {
            this.endpoints = Endpoints.parse(commaSeparated);
            return this;
        }

        public Builder endpoints(List<String> addresses) {
            this.endpoints = List.copyOf(addresses);
            return this;
        }

        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
            return this;
        }

        public Builder operationTimeout(Duration operationTimeout) {
            this.operationTimeout = operationTimeout;
            return this;
        }

        public Builder backoff(Duration initialBackoff, Duration maxBackoff) {
            this.initialBackoff = initialBackoff;
            this.maxBackoff = maxBackoff;
            return this;
        }

        public Builder routing(Routing routing) {
            this.routing = routing;
            return this;
        }

        /** A seeded, thread-safe jitter source, e.g. {@code new Random(seed)}. */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /** Unary calls instead of one pipeline stream per node, e.g. to compare their cost. */
        public Builder pipelining(boolean pipelining) {
            this.pipelining = pipelining;
            return this;
        }

        /**
         * TLS to the nodes (etcdctl's {@code --cacert}, {@code --cert}, {@code --key}): the nodes'
         * certificates must be issued by a CA in {@code caCert} (PEM; null: the JDK's CAs) and name the
         * host dialled; {@code cert} and {@code key} (PEM, PKCS#8), both or neither, are this client's
         * certificate for nodes that require one.
         *
         * @throws IllegalArgumentException naming the file that cannot be read or used
         */
        public Builder tls(Path caCert, Path cert, Path key) {
            if ((cert == null) != (key == null)) {
                throw new IllegalArgumentException("a client certificate needs its key and a key its certificate"
                        + " (--cert and --key)");
            }
            TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
            try {
                if (caCert != null) {
                    tls.trustManager(caCert.toFile());
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("CA certificate " + caCert + " cannot be used: " + e.getMessage(), e);
            }
            try {
                if (cert != null) {
                    tls.keyManager(cert.toFile(), key.toFile());
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("client certificate " + cert + " with key " + key
                        + " cannot be used: " + e.getMessage(), e);
            }
            this.credentials = tls.build();
            return this;
        }

        public ClientOptions build() {
            return new ClientOptions(endpoints, callTimeout, operationTimeout, initialBackoff, maxBackoff, routing, random,
                    pipelining, credentials);
        }
    }
}
