package dev.raftkv.client;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.Random;

/** Clients for tests: short backoff, seeded jitter, generous operation timeout unless a test needs it short. */
final class TestClients {

    static final long SEED = Long.getLong("raftkv.test.seed", 20261123L);

    private TestClients() {
    }

    static ClientOptions.Builder options(String endpoints) {
        return ClientOptions.builder()
                .endpoints(endpoints)
                .callTimeout(Duration.ofSeconds(5))
                .operationTimeout(Duration.ofSeconds(20))
                .backoff(Duration.ofMillis(1), Duration.ofMillis(20))
                .random(new Random(SEED));
    }

    static RaftKvClient client(String endpoints) {
        return RaftKvClient.create(options(endpoints).build());
    }

    static ByteString bytes(String text) {
        return ByteString.copyFromUtf8(text);
    }
}
