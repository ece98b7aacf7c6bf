package dev.raftkv.liberty;

import static dev.raftkv.liberty.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged application in a real Liberty (the Arquillian server, a one-node cluster): admin status, its
 * security and error format, health, metrics and the OpenAPI document.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AdminApiIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.raftkv();
    }

    @BeforeEach
    void nodeIsReady() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> Deployments.http().get("/health/ready").statusCode() == 200);
    }

    @Test
    void when_admin_asks_for_status_then_it_names_the_leader_and_every_member() {
        // The apply thread follows the commit index a moment later: wait for a status that shows it caught up.
        HttpResponse<String> response = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> Deployments.admin().get("/admin/v1/status"), r -> r.statusCode() != 200
                        || json(r).getAsJsonObject().get("appliedIndex").getAsLong()
                        == json(r).getAsJsonObject().get("commitIndex").getAsLong());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonObject status = json(response).getAsJsonObject();
        assertThat(status.get("nodeId").getAsString()).isEqualTo("a1");
        assertThat(status.get("role").getAsString()).isEqualTo("LEADER");
        assertThat(status.get("leaderId").getAsString()).isEqualTo("a1");
        assertThat(status.get("term").getAsLong()).isPositive();
        assertThat(status.get("commitIndex").getAsLong()).isPositive();
        assertThat(status.get("appliedIndex").getAsLong()).isEqualTo(status.get("commitIndex").getAsLong());
        assertThat(status.has("snapshotIndex")).isTrue();
        JsonObject self = status.getAsJsonArray("members").get(0).getAsJsonObject();
        assertThat(self.get("id").getAsString()).isEqualTo("a1");
        assertThat(self.get("peerAddress").getAsString())
                .isEqualTo("127.0.0.1:" + Integer.getInteger("arquillian.peer.port"));
        assertThat(self.get("clientAddress").getAsString())
                .isEqualTo("127.0.0.1:" + Integer.getInteger("arquillian.client.port"));
        assertThat(self.get("role").getAsString()).isEqualTo("VOTER");
        assertThat(self.get("lag").getAsLong()).isZero();
    }

    @Test
    void when_no_credentials_are_given_then_401_with_a_basic_challenge() {
        HttpResponse<String> response = Deployments.http().get("/admin/v1/status");

        assertThat(assertProblem(response, 401).get("detail").getAsString()).contains("credentials required");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Basic"));
    }

    @Test
    void when_the_password_is_wrong_then_401() {
        HttpResponse<String> response = Deployments.http().as(Deployments.ADMIN_USER, "wrong").get("/admin/v1/status");

        assertProblem(response, 401);
    }

    @Test
    void when_a_known_user_without_the_admin_role_asks_then_403() {
        HttpResponse<String> response = Deployments.http().as("viewer", "viewer-password").get("/admin/v1/status");

        assertThat(assertProblem(response, 403).get("detail").getAsString()).contains("admin role");
    }

    @Test
    void when_the_path_is_unknown_then_a_problem_json_404() {
        HttpResponse<String> response = Deployments.admin().get("/admin/v1/no-such-thing");

        assertProblem(response, 404);
    }

    @Test
    void when_liveness_and_readiness_are_asked_without_credentials_then_both_are_up() {
        HttpResponse<String> live = Deployments.http().get("/health/live");
        HttpResponse<String> ready = Deployments.http().get("/health/ready");

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(json(live).getAsJsonObject().get("status").getAsString()).isEqualTo("UP");
        JsonObject readiness = json(ready).getAsJsonObject();
        assertThat(readiness.get("status").getAsString()).isEqualTo("UP");
        JsonObject data = readiness.getAsJsonArray("checks").get(0).getAsJsonObject().getAsJsonObject("data");
        assertThat(data.get("leaderId").getAsString()).isEqualTo("a1");
    }

    @Test
    void when_prometheus_scrapes_then_raft_metrics_the_fsync_histogram_and_the_election_counters_are_there() {
        HttpResponse<String> response = Deployments.http().get("/metrics?scope=application");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("raftkv_term{")
                .contains("raftkv_role{mp_scope=\"application\",role=\"LEADER\",} 1.0")
                .contains("raftkv_commit_index{")
                .contains("raftkv_applied_index{")
                .contains("# TYPE raftkv_leader_changes_total counter")
                .contains("raftkv_leader_changes_total{")
                .contains("raftkv_proposals_rate_per_second{")
                .contains("raftkv_applies_rate_per_second{")
                .contains("raftkv_wal_sync_micros_bucket{mp_scope=\"application\",le=\"100.0\",}")
                .contains("raftkv_wal_sync_micros_bucket{mp_scope=\"application\",le=\"250.0\",}")
                .contains("raftkv_election_timeouts_total{")
                .contains("raftkv_elections_total{cause=\"election-timeout\",mp_scope=\"application\",}")
                .contains("raftkv_elections_total{cause=\"timeout-now\",mp_scope=\"application\",}")
                .contains("raftkv_leader_stepdowns_total{cause=\"check-quorum\",mp_scope=\"application\",}")
                .contains("raftkv_leader_stepdowns_total{cause=\"higher-term\",mp_scope=\"application\",}")
                .contains("raftkv_election_leader_silence_millis_bucket{mp_scope=\"application\",le=\"500.0\",}");
    }

    @Test
    void when_the_openapi_document_is_fetched_then_it_describes_the_admin_api() {
        HttpResponse<String> response = Deployments.http().get("/openapi");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("/admin/v1/status").contains("raftkv admin API").contains("X-Raftkv-Index");
    }

    static JsonObject assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonObject problem = json(response).getAsJsonObject();
        assertThat(problem.get("status").getAsInt()).isEqualTo(status);
        assertThat(problem.get("title").getAsString()).isNotBlank();
        assertThat(problem.get("detail").getAsString()).isNotBlank();
        return problem;
    }
}
