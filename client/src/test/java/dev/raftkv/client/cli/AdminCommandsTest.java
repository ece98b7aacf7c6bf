package dev.raftkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin commands against a stand-in of the node's admin REST API: requests sent, answers shown, errors mapped. */
class AdminCommandsTest {

    private static final String MEMBERS = """
            {"members":[{"id":"n1","role":"VOTER","peerAddress":"127.0.0.1:7001","clientAddress":"127.0.0.1:9001",\
            "matchIndex":42,"lag":0},{"id":"n4","role":"LEARNER","peerAddress":"127.0.0.1:7004","clientAddress":null,\
            "matchIndex":40,"lag":2}]}""";

    @TempDir
    Path dir;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private Map<String, String> env;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/admin/v1/", this::handle);
        server.start();
        env = Map.of("RAFTKV_ADMIN_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                "RAFTKV_ADMIN_USER", "admin", "RAFTKV_ADMIN_PASSWORD", "secret");
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path + (body.isEmpty() ? "" : " " + body));
        String expected = "Basic " + Base64.getEncoder().encodeToString("admin:secret".getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            answer(exchange, 401, "application/problem+json", "{\"title\":\"Unauthorized\",\"status\":401}");
            return;
        }
        switch (exchange.getRequestMethod() + " " + path) {
            case "GET /admin/v1/members", "POST /admin/v1/members", "POST /admin/v1/members/n4/promote" ->
                    answer(exchange, 200, "application/json", MEMBERS);
            case "DELETE /admin/v1/members/n9" -> answer(exchange, 404, "application/problem+json",
                    "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"NOT_A_MEMBER: node n9 is not a member\"}");
            case "DELETE /admin/v1/members/n1" -> answer(exchange, 409, "application/problem+json",
                    "{\"title\":\"Conflict\",\"status\":409,\"detail\":\"LAST_VOTER: node n1 is the last voter\"}");
            case "POST /admin/v1/leader/transfer" -> answer(exchange, 200, "application/json",
                    "{\"leaderId\":\"n2\"}");
            case "GET /admin/v1/snapshots" -> answer(exchange, 200, "application/json",
                    "[{\"index\":900,\"term\":3,\"sizeBytes\":1234}]");
            case "GET /admin/v1/snapshots/latest" -> {
                exchange.getResponseHeaders().add("X-Raftkv-Snapshot-Index", "900");
                answer(exchange, 200, "application/octet-stream", "SNAPSHOT-BYTES");
            }
            default -> answer(exchange, 503, "application/problem+json",
                    "{\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"no leader\"}");
        }
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void member_list_prints_a_table_of_the_members() {
        CliRun run = CliRun.run(env, "member", "list");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("id", "role", "lag").contains("n4  LEARNER").contains("127.0.0.1:7001");
        assertThat(requests).containsExactly("GET /admin/v1/members");
    }

    @Test
    void member_add_promote_and_remove_send_what_the_api_expects() {
        assertThat(CliRun.run(env, "member", "add", "n4", "127.0.0.1:7004", "127.0.0.1:9004").exitCode()).isZero();
        assertThat(CliRun.run(env, "member", "promote", "n4").exitCode()).isZero();
        CliRun notMember = CliRun.run(env, "member", "remove", "n9");
        CliRun lastVoter = CliRun.run(env, "member", "remove", "n1");
        assertThat(requests).containsExactly(
                "POST /admin/v1/members {\"id\":\"n4\",\"peerAddress\":\"127.0.0.1:7004\","
                        + "\"clientAddress\":\"127.0.0.1:9004\"}",
                "POST /admin/v1/members/n4/promote",
                "DELETE /admin/v1/members/n9",
                "DELETE /admin/v1/members/n1");
        assertThat(notMember.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(notMember.err()).contains("HTTP 404", "NOT_A_MEMBER: node n9 is not a member");
        assertThat(lastVoter.exitCode()).isEqualTo(ExitCodes.REJECTED);
        assertThat(lastVoter.err()).contains("LAST_VOTER");
    }

    @Test
    void leader_transfer_names_the_new_leader() {
        CliRun run = CliRun.run(env, "leader", "transfer", "n2");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("leader is now n2");
        assertThat(requests).containsExactly("POST /admin/v1/leader/transfer {\"target\":\"n2\"}");
    }

    @Test
    void snapshot_list_and_download() throws IOException {
        CliRun list = CliRun.run(env, "snapshot", "list");
        assertThat(list.out()).contains("index", "900", "1.2 KiB");
        assertThat(CliRun.run(env, "-w", "json", "snapshot", "list").out())
                .isEqualTo("[{\"index\":900,\"term\":3,\"sizeBytes\":1234}]\n");
        Path file = dir.resolve("backup.snap");
        CliRun download = CliRun.run(env, "snapshot", "download", file.toString());
        assertThat(download.exitCode()).isZero();
        assertThat(Files.readString(file)).isEqualTo("SNAPSHOT-BYTES");
        assertThat(download.out()).contains("saved 14 bytes", "snapshot-index=900");
        assertThat(Files.exists(dir.resolve("backup.snap.part"))).isFalse();
    }

    @Test
    void wrong_or_missing_credentials_are_reported_clearly() {
        CliRun wrong = CliRun.run(Map.of("RAFTKV_ADMIN_URL", env.get("RAFTKV_ADMIN_URL")), "member", "list",
                "--user", "admin", "--password", "nope");
        assertThat(wrong.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(wrong.err()).contains("HTTP 401", "Unauthorized");
        CliRun missing = CliRun.run(Map.of("RAFTKV_ADMIN_URL", env.get("RAFTKV_ADMIN_URL")), "member", "list");
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(missing.err()).contains("admin credentials are missing");
        assertThat(requests).hasSize(1);
    }

    @Test
    void an_unreachable_node_is_unavailable() {
        server.stop(0);
        CliRun run = CliRun.run(env, "snapshot", "take");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(run.err()).contains("no answer from");
    }
}
