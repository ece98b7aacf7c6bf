package dev.raftkv.ansible;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftkv.ansible.TestHosts.Host;
import dev.raftkv.proto.StatusResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The playbooks against real Liberty nodes on four local "hosts" (127.0.0.2-5, local
 * connection, process mode), in the order an operator would run them: site.yml (twice: the
 * second run changes nothing), writes, rolling-upgrade.yml to a re-marked build while a
 * client keeps writing, add-node.yml for a fourth host, remove-node.yml for one of the
 * first three, backup.yml, status.yml; then every acknowledged write is read back from each
 * remaining node's own replica. Every node process the test started is stopped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLifecycleIT {

    private static final Host NODE1 = TestHosts.ALL.get(0);
    private static final Host NODE2 = TestHosts.ALL.get(1);
    private static final Host NODE3 = TestHosts.ALL.get(2);
    private static final Host NODE4 = TestHosts.ALL.get(3);
    private static final List<Host> FIRST3 = List.of(NODE1, NODE2, NODE3);
    private static final String BUILD_MARKER = "raftkv-build.txt";

    private static TestHosts hosts;

    private Path work;
    private Path v1;
    private Path v2;
    private Ansible ansible;
    private Measurements measured;
    private final Map<String, String> acknowledged = new HashMap<>();
    private String stepFailed = "site.yml";

    @BeforeAll
    void prepare() throws Exception {
        Prerequisites.requireTools("ansible-playbook");
        work = Prerequisites.workDir().resolve("cluster");
        v1 = Prerequisites.libertyPackage();
        hosts = new TestHosts(work, "it-" + UUID.randomUUID());
        hosts.stopNodes();
        hosts.deleteHostDirs();
        deleteIfExists(work.resolve("backups"));
        v2 = remarkedPackage(v1, work.resolve("packages/raftkv-liberty-build2.zip"), "build 2");
        ansible = new Ansible(Prerequisites.ansibleDir(), work);
        measured = new Measurements(work.resolve("measurements.txt"));
    }

    @AfterAll
    void stopEverythingStarted() throws IOException {
        if (measured != null) {
            measured.print();
        }
        if (hosts != null) {
            hosts.stopNodes();
            if (stepFailed == null) {
                hosts.deleteHostDirs();
            } else {
                hosts.deleteReleases();
                System.out.println("[ansible-it] " + stepFailed + " failed: the nodes' logs and data are kept in "
                        + work.resolve("hosts"));
            }
        }
    }

    @Test
    @Order(1)
    void site_yml_deploys_three_hosts_and_a_second_run_changes_nothing() throws Exception {
        Path inventory3 = hosts.writeInventory("three.yml", FIRST3, Set.of(), v1, List.of());
        Ansible.Run site = expectOk(ansible.play("site.yml", inventory3, Map.of(), TestHosts.timeout(10)));
        measured.add("site.yml, 3 hosts from nothing", site.result().took());
        Ansible.Run again = expectOk(ansible.play("site.yml", inventory3, Map.of(), TestHosts.timeout(10)));
        assertThat(again.changedByHost()).as(again.describe())
                .containsOnlyKeys("node1", "node2", "node3").allSatisfy((host, changed) -> assertThat(changed).isZero());
        measured.add("site.yml, second run (changed=0)", again.result().took());
        for (Host host : FIRST3) {
            assertThat(hosts.runningPid(host)).as("%s runs its node", host.name()).isPresent();
        }
        try (AckedWriter seed = new AckedWriter(hosts.endpoints(FIRST3), "seed/", 200, Duration.ofMinutes(2))) {
            seed.runToCompletion();
            assertThat(seed.errors()).isEmpty();
            acknowledged.putAll(seed.acknowledged());
        }
        assertThat(acknowledged).hasSize(200);
        stepFailed = null;
    }

    @Test
    @Order(2)
    void rolling_upgrade_under_writes_loses_no_acknowledged_write() throws Exception {
        assumeStepsBefore("the rolling upgrade");
        stepFailed = "rolling-upgrade.yml";
        Map<Host, Long> pidsBefore = new HashMap<>();
        FIRST3.forEach(host -> pidsBefore.put(host, hosts.runningPid(host).orElseThrow()));
        Path inventory = hosts.writeInventory("three-build2.yml", FIRST3, Set.of(), v2, List.of());
        Ansible.Run upgrade;
        LeaderWatch.Summary leadership;
        try (AckedWriter writer = new AckedWriter(hosts.endpoints(FIRST3), "during-upgrade/", 200_000,
                     Duration.ofMinutes(15));
             LeaderWatch watch = new LeaderWatch(FIRST3.stream().map(hosts::clientAddress).toList(),
                     Duration.ofMinutes(15))) {
            watch.start();
            writer.start();
            upgrade = ansible.play("rolling-upgrade.yml", inventory, Map.of(), TestHosts.timeout(15));
            writer.stop();
            leadership = watch.stop();
            acknowledged.putAll(writer.acknowledged());
            measured.add("writes acknowledged during the rolling upgrade", writer.acknowledged().size());
            measured.add("writes the client gave up on during the rolling upgrade", writer.errors().size());
            assertThat(writer.errors()).as("writes the client gave up on during the upgrade").isEmpty();
            assertThat(writer.acknowledged()).isNotEmpty();
        }
        expectOk(upgrade);
        measured.add("rolling-upgrade.yml, 3 nodes", upgrade.result().took());
        measured.add("longest time without a leader during the upgrade", leadership.longestGap());
        measured.add("total time without a leader during the upgrade", leadership.leaderless());
        measured.add("leaderless stretches during the upgrade", leadership.gaps());
        measured.add("leaders in order during the upgrade", String.join(" -> ", leadership.leaders()));
        for (Host host : FIRST3) {
            long pid = hosts.runningPid(host).orElseThrow();
            assertThat(pid).as("%s runs a new process", host.name()).isNotEqualTo(pidsBefore.get(host));
            assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cwd", BUILD_MARKER)).trim())
                    .as("%s runs build 2", host.name()).isEqualTo("build 2");
        }
        verifyAcknowledgedWrites(FIRST3);
        stepFailed = null;
    }

    @Test
    @Order(3)
    void add_node_remove_node_and_backup_keep_every_acknowledged_write() throws Exception {
        assumeStepsBefore("add-node, remove-node and backup");
        assumeMembershipEndpoints();
        stepFailed = "add-node.yml";

        // a fourth host joins: learner, caught up, promoted
        List<Host> four = List.of(NODE1, NODE2, NODE3, NODE4);
        Path inventory4 = hosts.writeInventory("four.yml", four, Set.of(NODE4), v2, List.of());
        Ansible.Run add = expectOk(ansible.play("add-node.yml", inventory4, Map.of("raftkv_new_host", "node4"),
                TestHosts.timeout(10)));
        measured.add("add-node.yml", add.result().took());
        assertThat(voters(NODE1)).containsExactlyInAnyOrder("n1", "n2", "n3", "n4");

        // one of the first three leaves, the leader when it is one of them (it hands over first);
        // its process and files are gone
        String leader = leaderId(four);
        Host leaving = FIRST3.stream().filter(h -> h.nodeId().equals(leader)).findFirst().orElse(NODE3);
        measured.add("remove-node.yml removes", leaving.nodeId() + (leaving.nodeId().equals(leader) ? " (the leader)" : ""));
        Ansible.Run remove = expectOk(ansible.play("remove-node.yml", inventory4,
                Map.of("raftkv_remove_host", leaving.name()), TestHosts.timeout(10)));
        measured.add("remove-node.yml", remove.result().took());
        List<Host> remaining = four.stream().filter(h -> h != leaving).toList();
        List<String> remainingIds = remaining.stream().map(Host::nodeId).toList();
        assertThat(hosts.runningPid(leaving)).isEmpty();
        assertThat(hosts.installDir(leaving)).doesNotExist();
        assertThat(voters(remaining.get(0))).containsExactlyInAnyOrderElementsOf(remainingIds);
        assertThat(leaderId(remaining)).isIn(remainingIds);
        Path inventoryAfter = hosts.writeInventory("after-removal.yml", remaining, Set.of(NODE4), v2, List.of());

        // a backup lands on the controller with a timestamped name
        Ansible.Run backup = expectOk(ansible.play("backup.yml", inventoryAfter, Map.of(), TestHosts.timeout(10)));
        measured.add("backup.yml", backup.result().took());
        try (Stream<Path> files = Files.list(work.resolve("backups"))) {
            List<Path> snapshots = files.filter(p -> p.getFileName().toString()
                    .matches("raftkv-ansible-it-\\d{8}T\\d{6}Z-n\\d\\.snapshot")).toList();
            assertThat(snapshots).hasSize(1);
            assertThat(Files.size(snapshots.get(0))).isPositive();
            assertThat(snapshots.get(0).resolveSibling(snapshots.get(0).getFileName() + ".sha256")).exists();
        }

        // status.yml prints every node; site.yml over the new inventory changes nothing
        Ansible.Run status = expectOk(ansible.play("status.yml", inventoryAfter, Map.of(), TestHosts.timeout(5)));
        assertThat(status.result().output()).contains("LEADER");
        remainingIds.forEach(id -> assertThat(status.result().output()).contains("\"" + id + " "));
        Ansible.Run settled = expectOk(ansible.play("site.yml", inventoryAfter, Map.of(), TestHosts.timeout(10)));
        assertThat(settled.changedByHost()).as(settled.describe())
                .allSatisfy((host, changed) -> assertThat(changed).isZero());

        verifyAcknowledgedWrites(remaining);
        stepFailed = null;
    }

    /** Every acknowledged write is in each node's own replica, once it has applied the leader's commit index. */
    private void verifyAcknowledgedWrites(List<Host> members) {
        long commitIndex = leaderCommitIndex(members);
        for (Host host : members) {
            try (NodeChannel node = new NodeChannel(hosts.clientAddress(host))) {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> node.status(Duration.ofSeconds(2)).getHeader().getAppliedIndex() >= commitIndex);
                Map<String, String> replica = new HashMap<>(node.scanLocal("seed/"));
                replica.putAll(node.scanLocal("during-upgrade/"));
                assertThat(replica).as("%s's replica", host.name()).containsAllEntriesOf(acknowledged);
            }
        }
        measured.add("acknowledged writes verified on each of "
                + members.stream().map(Host::nodeId).toList(), acknowledged.size());
    }

    private void assumeStepsBefore(String step) {
        skipUnless(stepFailed == null, "SKIPPED " + step + ": the earlier step " + stepFailed + " failed (see its test)");
    }

    /** Skips the test, saying why in the build's output (failsafe keeps the reason only in its reports). */
    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("[ansible-it] " + reason);
            Assumptions.abort(reason);
        }
    }

    /**
     * The membership and snapshot endpoints come with the server's membership work; a package
     * without them (404 on GET /admin/v1/members) cannot run this part.
     */
    private void assumeMembershipEndpoints() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String credentials = Base64.getEncoder().encodeToString(("admin:" + hosts.adminPassword())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> members = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + NODE1.address() + ":" + hosts.ports().http() + "/admin/v1/members"))
                .header("Authorization", "Basic " + credentials).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        int code = members.statusCode();
        skipUnless(code != 404 && code != 405 && code != 501,
                "SKIPPED add-node, remove-node and backup: the Liberty package has no membership endpoints yet"
                        + " (GET /admin/v1/members answered " + code + ")");
    }

    private static Ansible.Run expectOk(Ansible.Run run) {
        assertThat(run.ok()).as(run.describe()).isTrue();
        return run;
    }

    private static List<String> voters(Host host) {
        try (NodeChannel node = new NodeChannel(hosts.clientAddress(host))) {
            StatusResponse status = node.status(Duration.ofSeconds(5));
            return status.getMembersList().stream().filter(m -> "voter".equalsIgnoreCase(m.getKind()))
                    .map(m -> m.getId()).toList();
        }
    }

    /** The id of the node that reports itself leader, waiting up to a minute for one. */
    private static String leaderId(List<Host> members) {
        return leaderStatus(members).getHeader().getNodeId();
    }

    private static long leaderCommitIndex(List<Host> members) {
        return leaderStatus(members).getCommitIndex();
    }

    /** The status of the node that reports itself leader, waiting up to a minute for one. */
    private static StatusResponse leaderStatus(List<Host> members) {
        List<StatusResponse> found = new ArrayList<>();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (Host host : members) {
                try (NodeChannel node = new NodeChannel(hosts.clientAddress(host))) {
                    StatusResponse status = node.status(Duration.ofSeconds(2));
                    if ("LEADER".equals(status.getRole())) {
                        found.add(status);
                        return true;
                    }
                } catch (RuntimeException e) {
                    // not answering yet
                }
            }
            return false;
        });
        return found.get(found.size() - 1);
    }

    private static void deleteIfExists(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** A copy of {@code original} with a marker file in the server directory, so it is another build. */
    private static Path remarkedPackage(Path original, Path copy, String marker) throws IOException {
        Files.createDirectories(copy.getParent());
        Files.copy(original, copy, StandardCopyOption.REPLACE_EXISTING);
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + copy.toUri()), Map.of())) {
            Files.writeString(zip.getPath("wlp/usr/servers/raftkv", BUILD_MARKER), marker + "\n", StandardCharsets.UTF_8);
        }
        return copy;
    }
}
