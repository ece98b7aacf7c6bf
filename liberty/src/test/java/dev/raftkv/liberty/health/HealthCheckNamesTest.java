package dev.raftkv.liberty.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.liberty.NodeLifecycle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The two checks of a node that has not started, without a server: each answers under its own name. */
class HealthCheckNamesTest {

    /** What Liberty's mpHealth provides at run time: the responses' builder. */
    @BeforeAll
    static void provideResponses() {
        HealthCheckResponse.setResponseProvider(PlainBuilder::new);
    }

    private static final class PlainBuilder extends HealthCheckResponseBuilder {
        private String name;
        private HealthCheckResponse.Status status = HealthCheckResponse.Status.DOWN;
        private final Map<String, Object> data = new LinkedHashMap<>();

        @Override
        public HealthCheckResponseBuilder name(String name) {
            this.name = name;
            return this;
        }

        @Override
        public HealthCheckResponseBuilder withData(String key, String value) {
            data.put(key, value);
            return this;
        }

        @Override
        public HealthCheckResponseBuilder withData(String key, long value) {
            data.put(key, value);
            return this;
        }

        @Override
        public HealthCheckResponseBuilder withData(String key, boolean value) {
            data.put(key, value);
            return this;
        }

        @Override
        public HealthCheckResponseBuilder up() {
            return status(true);
        }

        @Override
        public HealthCheckResponseBuilder down() {
            return status(false);
        }

        @Override
        public HealthCheckResponseBuilder status(boolean up) {
            status = up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN;
            return this;
        }

        @Override
        public HealthCheckResponse build() {
            return new HealthCheckResponse(name, status, Optional.of(Map.copyOf(data)));
        }
    }

    @Test
    void liveness_and_readiness_answer_under_distinct_names() {
        NodeLiveness liveness = new NodeLiveness();
        liveness.lifecycle = new NodeLifecycle();
        NodeReadiness readiness = new NodeReadiness();
        readiness.lifecycle = new NodeLifecycle();

        HealthCheckResponse live = liveness.call();
        HealthCheckResponse ready = readiness.call();

        assertThat(live.getName()).isEqualTo("raftkv-liveness");
        assertThat(live.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(ready.getName()).isEqualTo("raftkv-readiness");
        assertThat(ready.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    }
}
