package dev.raftkv.liberty;

import static dev.raftkv.liberty.AdminApiIT.assertProblem;
import static dev.raftkv.liberty.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.raftkv.server.NodeConfig;
import dev.raftkv.server.RaftServer;
import dev.raftkv.server.TimeSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The membership, leadership and snapshot endpoints against the Arquillian server's node a1, with a second node
 * a2 run by this test (a plain {@link RaftServer} on loopback, in-memory log) that joins a1's cluster: add,
 * refusals, promote, transfer there and back, remove; snapshot take, list and download.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AdminMembershipIT {

    private static final Duration CHANGE = Duration.ofSeconds(60);

    private RaftServer a2;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.raftkv();
    }

    @BeforeEach
    void a1IsReady() {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> Deployments.http().get("/health/ready").statusCode() == 200);
    }

    @AfterEach
    void stopA2() {
        if (a2 != null) {
            a2.close();
        }
    }

    @Test
    void membership_lifecycle_add_refusals_promote_transfer_and_remove() throws IOException {
        Http admin = Deployments.admin();
        JsonObject before = json(admin.get("/admin/v1/members")).getAsJsonObject();
        assertThat(ids(before)).containsExactly("a1");

        // a2 starts in join mode without auto-promotion: it asks a1 to add it as a learner
        a2 = startJoiningNode();
        await("a2 added as a learner").atMost(CHANGE).pollInterval(Duration.ofMillis(200))
                .until(() -> role(json(admin.get("/admin/v1/members")).getAsJsonObject(), "a2"),
                        r -> r.equals(Optional.of("LEARNER")));

        HttpResponse<String> again = admin.post("/admin/v1/members", "{\"id\":\"a2\",\"peerAddress\":\"127.0.0.1:"
                + a2.peerPort() + "\"}");
        assertThat(assertProblem(again, 409).get("grpcStatus").getAsString()).isEqualTo("ALREADY_EXISTS");
        assertProblem(admin.post("/admin/v1/members", "{\"id\":\"a3\"}"), 400);
        assertProblem(admin.post("/admin/v1/members", "{not json"), 400);
        assertProblem(admin.post("/admin/v1/members/nobody/promote", null), 404);
        assertThat(assertProblem(admin.delete("/admin/v1/members/a1"), 409).get("detail").getAsString())
                .contains("LAST_VOTER");

        await("a2 caught up").atMost(CHANGE).pollInterval(Duration.ofMillis(200))
                .until(() -> lag(json(admin.get("/admin/v1/status")).getAsJsonObject(), "a2") == 0);
        HttpResponse<String> promoted = admin.post("/admin/v1/members/a2/promote", null);
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        assertThat(role(json(promoted).getAsJsonObject(), "a2")).contains("VOTER");

        HttpResponse<String> toA2 = admin.post("/admin/v1/leader/transfer", "{\"target\":\"a2\"}");
        assertThat(toA2.statusCode()).as(toA2.body()).isEqualTo(200);
        assertThat(json(toA2).getAsJsonObject().get("leaderId").getAsString()).isEqualTo("a2");
        assertThat(json(admin.get("/admin/v1/status")).getAsJsonObject().get("role").getAsString())
                .isEqualTo("FOLLOWER");
        // a follower forwards to the leader: a1 asks a2 to hand leadership back
        HttpResponse<String> back = admin.post("/admin/v1/leader/transfer", "{\"target\":\"a1\"}");
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(json(back).getAsJsonObject().get("leaderId").getAsString()).isEqualTo("a1");
        assertProblem(admin.post("/admin/v1/leader/transfer", "{}"), 400);
        assertProblem(admin.post("/admin/v1/leader/transfer", "{\"target\":\"nobody\"}"), 404);

        HttpResponse<String> removed = admin.delete("/admin/v1/members/a2");
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        assertThat(ids(json(removed).getAsJsonObject())).containsExactly("a1");
    }

    @Test
    void snapshots_take_list_and_download_the_latest() {
        Http admin = Deployments.admin();

        HttpResponse<String> taken = admin.post("/admin/v1/snapshots", null);

        assertThat(taken.statusCode()).as(taken.body()).isEqualTo(200);
        JsonObject snapshot = json(taken).getAsJsonObject();
        long index = snapshot.get("index").getAsLong();
        assertThat(index).isPositive();
        JsonArray listed = json(admin.get("/admin/v1/snapshots")).getAsJsonObject().getAsJsonArray("snapshots");
        assertThat(listed.get(0).getAsJsonObject().get("index").getAsLong()).isEqualTo(index);
        HttpResponse<byte[]> latest = admin.getBytes("/admin/v1/snapshots/latest");
        assertThat(latest.statusCode()).isEqualTo(200);
        assertThat(latest.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(latest.headers().firstValue("X-Raftkv-Index")).hasValue(Long.toString(index));
        assertThat(latest.headers().firstValue("X-Raftkv-Term")).hasValue(snapshot.get("term").getAsString());
        assertThat((long) latest.body().length).isEqualTo(snapshot.get("sizeBytes").getAsLong());
        assertThat(json(admin.get("/admin/v1/status")).getAsJsonObject().get("snapshotIndex").getAsLong())
                .isEqualTo(index);
    }

    private RaftServer startJoiningNode() throws IOException {
        int peer = freePort();
        int client = freePort();
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "a2-");
        Map<String, String> settings = new HashMap<>();
        settings.put("raftkv.node.id", "a2");
        // a1's entry gives a2 a1's address (the configuration in the log carries only a2's)
        settings.put("raftkv.members", "a1=127.0.0.1:" + Integer.getInteger("arquillian.peer.port") + ":"
                + Integer.getInteger("arquillian.client.port") + ",a2=127.0.0.1:" + peer + ":" + client);
        settings.put("raftkv.join", "127.0.0.1:" + Integer.getInteger("arquillian.peer.port"));
        settings.put("raftkv.join.auto-promote", "false");
        settings.put("raftkv.wal.backend", "memory");
        settings.put("raftkv.data.dir", data.toString());
        NodeConfig config = NodeConfig.load(name -> Optional.ofNullable(settings.get(name)));
        RaftServer server = new RaftServer(config, TimeSource.SYSTEM, new SplittableRandom(2), Thread::new);
        server.start();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    private static java.util.List<String> ids(JsonObject members) {
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (JsonElement member : members.getAsJsonArray("members")) {
            ids.add(member.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }

    private static Optional<String> role(JsonObject members, String id) {
        for (JsonElement member : members.getAsJsonArray("members")) {
            if (member.getAsJsonObject().get("id").getAsString().equals(id)) {
                return Optional.of(member.getAsJsonObject().get("role").getAsString());
            }
        }
        return Optional.empty();
    }

    private static long lag(JsonObject status, String id) {
        for (JsonElement member : status.getAsJsonArray("members")) {
            JsonObject m = member.getAsJsonObject();
            if (m.get("id").getAsString().equals(id) && m.has("lag") && !m.get("lag").isJsonNull()) {
                return m.get("lag").getAsLong();
            }
        }
        return Long.MAX_VALUE;
    }
}
