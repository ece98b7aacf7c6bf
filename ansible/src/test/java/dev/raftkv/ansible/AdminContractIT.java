package dev.raftkv.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.ansible.TestHosts.Host;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The playbooks' admin-API calls and their order, against stand-in nodes that speak only the
 * Liberty package's admin contract ({@code src/test/resources/contract-node}: server.env in,
 * {@code /admin/v1/*} and {@code /health/*} out, one shared JSON file as the cluster's
 * membership and leadership; nothing replicated). It covers what the real package cannot
 * run yet (membership, leadership transfer, snapshots) in seconds; {@link ClusterLifecycleIT}
 * runs the same playbooks against real Liberty nodes.
 */
class AdminContractIT {

    private static final Host NODE1 = TestHosts.ALL.get(0);
    private static final Host NODE2 = TestHosts.ALL.get(1);
    private static final Host NODE3 = TestHosts.ALL.get(2);
    private static final Host NODE4 = TestHosts.ALL.get(3);

    private final Path work = Prerequisites.workDir().resolve("contract");
    private TestHosts hosts;

    @AfterEach
    void stopStandIns() throws IOException {
        if (hosts != null) {
            hosts.stopNodes();
            hosts.deleteHostDirs();
        }
    }

    @Test
    void add_upgrade_remove_the_leader_and_back_up_through_the_admin_api() throws Exception {
        Prerequisites.requireTools("ansible-playbook", "python3");
        deleteRecursively(work);
        hosts = new TestHosts(work, "contract-password");
        Path state = work.resolve("cluster-state.json");
        List<String> vars = List.of("raftkv_extra_env: {RAFTKV_FAKE_STATE: '" + state + "'}", "raftkv_max_lag: 0",
                "raftkv_cluster_wait_timeout: 30", "raftkv_start_timeout: 30");
        Path build1 = standInPackage(work.resolve("packages/stand-in-1.zip"), "1");
        Path build2 = standInPackage(work.resolve("packages/stand-in-2.zip"), "2");
        Ansible ansible = new Ansible(Prerequisites.ansibleDir(), work);
        List<Host> first3 = List.of(NODE1, NODE2, NODE3);

        Path three = hosts.writeInventory("three.yml", first3, Set.of(), build1, vars);
        expectOk(ansible.play("site.yml", three, Map.of(), TestHosts.timeout(5)));
        assertThat(voters(state)).containsExactly("n1", "n2", "n3");

        // learner first, promoted after catching up
        List<Host> four = List.of(NODE1, NODE2, NODE3, NODE4);
        Path fourInventory = hosts.writeInventory("four.yml", four, Set.of(NODE4), build1, vars);
        expectOk(ansible.play("add-node.yml", fourInventory, Map.of("raftkv_new_host", "node4"), TestHosts.timeout(5)));
        assertThat(voters(state)).containsExactly("n1", "n2", "n3", "n4");
        String added = String.join("\n", calls(state)) + "\n";
        int learner = added.indexOf("POST /admin/v1/members\n");
        int started = added.indexOf("n4 started from");
        int promoted = added.indexOf("POST /admin/v1/members/n4/promote");
        assertThat(learner).as("added as a learner").isNotNegative();
        assertThat(started).as("started after being added").isGreaterThan(learner);
        assertThat(promoted).as("promoted after it started").isGreaterThan(started);
        assertThat(Files.readString(serverEnv(NODE1))).contains("n4=127.0.0.5:");
        assertThat(Files.readString(serverEnv(NODE4))).contains("RAFTKV_JOIN=127.0.0.2:" + hosts.ports().peer());

        // rolling upgrade: the leader goes last, after an explicit transfer
        String leaderBefore = leader(state);
        Path fourBuild2 = hosts.writeInventory("four-build2.yml", four, Set.of(NODE4), build2, vars);
        expectOk(ansible.play("rolling-upgrade.yml", fourBuild2, Map.of(), TestHosts.timeout(5)));
        String log = String.join("\n", calls(state));
        assertThat(lastStartOf(log, leaderBefore)).as("the leader restarts last")
                .isGreaterThan(lastStartOf(log, otherThan(leaderBefore, "n1", "n2", "n3", "n4")));
        assertThat(Files.readString(state)).contains("\"from\": \"" + leaderBefore + "\"");
        for (Host host : four) {
            assertThat(Files.readString(hosts.installDir(host).resolve("current/wlp/build.txt")).trim()).isEqualTo("2");
        }

        // remove the current leader: it hands leadership over, leaves, stops, and its files go
        String leader = leader(state);
        Host leaving = four.stream().filter(h -> h.nodeId().equals(leader)).findFirst().orElseThrow();
        expectOk(ansible.play("remove-node.yml", fourBuild2, Map.of("raftkv_remove_host", leaving.name()),
                TestHosts.timeout(5)));
        assertThat(voters(state)).hasSize(3).doesNotContain(leader);
        assertThat(leader(state)).isNotEqualTo(leader);
        assertThat(hosts.runningPid(leaving)).isEmpty();
        assertThat(hosts.installDir(leaving)).doesNotExist();
        List<Host> remaining = four.stream().filter(h -> h != leaving).toList();
        Path after = hosts.writeInventory("after.yml", remaining, Set.of(NODE4), build2, vars);

        Ansible.Run backup = expectOk(ansible.play("backup.yml", after, Map.of(), TestHosts.timeout(5)));
        try (Stream<Path> files = Files.list(work.resolve("backups"))) {
            List<Path> snapshots = files.filter(p -> p.getFileName().toString()
                    .matches("raftkv-ansible-it-\\d{8}T\\d{6}Z-n\\d\\.snapshot")).toList();
            assertThat(snapshots).as(backup.describe()).hasSize(1);
            assertThat(Files.readString(snapshots.get(0))).startsWith("stand-in snapshot 1 of ");
        }

        // the inventory after the changes is what runs: site.yml changes nothing
        Ansible.Run settled = expectOk(ansible.play("site.yml", after, Map.of(), TestHosts.timeout(5)));
        assertThat(settled.changedByHost()).as(settled.describe()).hasSize(3)
                .allSatisfy((host, changed) -> assertThat(changed).isZero());
    }

    private Path serverEnv(Host host) {
        return hosts.installDir(host).resolve("current/wlp/usr/servers/raftkv/server.env");
    }

    private static Ansible.Run expectOk(Ansible.Run run) {
        assertThat(run.ok()).as(run.describe()).isTrue();
        return run;
    }

    private static String otherThan(String leader, String... ids) {
        return Stream.of(ids).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    }

    private static int lastStartOf(String log, String nodeId) {
        return log.lastIndexOf(nodeId + " started from");
    }

    private static List<String> voters(Path state) throws IOException {
        String json = Files.readString(state);
        Matcher matcher = Pattern.compile("\"(n\\d)\": \\{[^}]*\"role\": \"VOTER\"").matcher(json);
        return matcher.results().map(r -> r.group(1)).sorted().toList();
    }

    private static String leader(Path state) throws IOException {
        Matcher matcher = Pattern.compile("\"leader\": \"(n\\d)\"").matcher(Files.readString(state));
        return matcher.find() ? matcher.group(1) : "";
    }

    private static List<String> calls(Path state) throws IOException {
        String json = Files.readString(state);
        int start = json.indexOf("\"log\": [");
        int end = json.indexOf("]", start);
        return Pattern.compile("\"([^\"]*)\"").matcher(json.substring(start + 8, end)).results()
                .map(r -> r.group(1)).toList();
    }

    /** A zip laid out like the Liberty package whose server script runs the stand-in node. */
    private static Path standInPackage(Path zip, String build) throws IOException {
        Files.createDirectories(zip.getParent());
        Files.deleteIfExists(zip);
        Map<String, Object> options = Map.of("create", "true", "enablePosixFileAttributes", "true");
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jar:" + zip.toUri()), options)) {
            Files.createDirectories(fs.getPath("wlp/bin"));
            Files.createDirectories(fs.getPath("wlp/usr/servers/raftkv"));
            copyResource("server", fs.getPath("wlp/bin/server"), "rwxr-xr-x");
            copyResource("fake_node.py", fs.getPath("wlp/bin/fake_node.py"), "rwxr-xr-x");
            copyResource("server.xml", fs.getPath("wlp/usr/servers/raftkv/server.xml"), "rw-r--r--");
            Files.writeString(fs.getPath("wlp/build.txt"), build + "\n", StandardCharsets.UTF_8);
        }
        return zip;
    }

    private static void copyResource(String name, Path target, String permissions) throws IOException {
        try (InputStream in = AdminContractIT.class.getResourceAsStream("/contract-node/" + name)) {
            Files.copy(in, target);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(permissions));
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
