package dev.raftkv.ansible;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The test's "hosts": loopback addresses 127.0.0.2.. on this machine, reached with Ansible's
 * local connection. Each host has its own install, data and log directories under the work
 * directory and runs its node in process mode (no systemd here); the ports are the same on
 * every host (each host has its own address) and chosen free when the test starts.
 */
final class TestHosts {

    record Host(String name, String nodeId, String address) {
    }

    record Ports(int peer, int client, int http, int https) {
    }

    static final List<Host> ALL = List.of(
            new Host("node1", "n1", "127.0.0.2"),
            new Host("node2", "n2", "127.0.0.3"),
            new Host("node3", "n3", "127.0.0.4"),
            new Host("node4", "n4", "127.0.0.5"));

    private final Path root;
    private final Ports ports;
    private final String adminPassword;

    TestHosts(Path root, String adminPassword) throws IOException {
        this.root = root;
        this.adminPassword = adminPassword;
        this.ports = freePorts();
    }

    Ports ports() {
        return ports;
    }

    String adminPassword() {
        return adminPassword;
    }

    Path hostDir(Host host) {
        return root.resolve("hosts").resolve(host.name());
    }

    Path installDir(Host host) {
        return hostDir(host).resolve("opt");
    }

    Path pidFile(Host host) {
        return installDir(host).resolve("run/raftkv.pid");
    }

    String clientAddress(Host host) {
        return host.address() + ":" + ports.client();
    }

    String endpoints(Collection<Host> hosts) {
        return hosts.stream().map(this::clientAddress).collect(Collectors.joining(","));
    }

    /** The pid in the host's pid file when that process runs a node of this test, else empty. */
    Optional<Long> runningPid(Host host) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile(host)).trim());
            String commandLine = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return commandLine.contains(root.toString()) ? Optional.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes an inventory of {@code members} (group raftkv); hosts in {@code joining} get
     * {@code raftkv_join: true}. {@code extraGroupVars} are YAML lines added to the group's vars.
     */
    Path writeInventory(String fileName, List<Host> members, Set<Host> joining, Path libertyPackage,
                        List<String> extraGroupVars) throws IOException {
        List<String> groupVars = new ArrayList<>(List.of(
                "raftkv_cluster_id: ansible-it",
                "raftkv_package_src: " + quoted(libertyPackage.toString()),
                "raftkv_service_manager: process",
                "raftkv_manage_user: false",
                "raftkv_user: " + quoted(System.getProperty("user.name")),
                "raftkv_group: " + quoted(currentGroup()),
                "raftkv_java_install: never",
                "raftkv_admin_user: admin",
                "raftkv_peer_port: " + ports.peer(),
                "raftkv_client_port: " + ports.client(),
                "raftkv_http_port: " + ports.http(),
                "raftkv_https_port: " + ports.https(),
                // C1 only, as the Liberty tests' servers: four JVMs and Ansible share two cores, and the JIT's
                // second tier was the largest part of every node start (none of the test's figures is a speed)
                "raftkv_jvm_args: -Xmx256m -XX:TieredStopAtLevel=1",
                "raftkv_start_timeout: 300",
                "raftkv_cluster_wait_timeout: 180",
                "raftkv_install_dir: \"" + root.resolve("hosts") + "/{{ inventory_hostname }}/opt\"",
                "raftkv_data_dir: \"" + root.resolve("hosts") + "/{{ inventory_hostname }}/data\"",
                "raftkv_log_dir: \"" + root.resolve("hosts") + "/{{ inventory_hostname }}/logs\"",
                "raftkv_backup_dir: " + quoted(root.resolve("backups").toString())));
        if (adminPassword != null) {
            groupVars.add("raftkv_admin_password: " + quoted(adminPassword));
        }
        Set<String> overridden = extraGroupVars.stream().map(TestHosts::key).collect(Collectors.toSet());
        groupVars.removeIf(line -> overridden.contains(key(line)));
        groupVars.addAll(extraGroupVars);
        List<String> lines = new ArrayList<>(List.of(
                "---",
                "# Written by the Ansible integration test: hosts on loopback addresses of this machine.",
                "all:",
                "  vars:",
                "    ansible_connection: local",
                "    ansible_python_interpreter: \"{{ ansible_playbook_python }}\"",
                "  children:",
                "    raftkv:",
                "      vars:"));
        groupVars.forEach(line -> lines.add("        " + line));
        lines.add("      hosts:");
        for (Host host : members) {
            lines.add("        " + host.name() + ":");
            lines.add("          ansible_host: " + host.address());
            lines.add("          raftkv_node_id: " + host.nodeId());
            if (joining.contains(host)) {
                lines.add("          raftkv_join: true");
            }
        }
        Path inventory = root.resolve("inventories").resolve(fileName);
        Files.createDirectories(inventory.getParent());
        Files.write(inventory, lines, StandardCharsets.UTF_8);
        return inventory;
    }

    /** Stops every node process this test's hosts started (by the pid in their pid files). */
    void stopNodes() {
        for (Host host : ALL) {
            runningPid(host).flatMap(ProcessHandle::of).ifPresent(process -> {
                process.destroy();
                try {
                    process.onExit().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    process.destroyForcibly();
                }
            });
        }
    }

    /** Deletes the hosts' directories (installs, data, logs); keeps the playbook logs. */
    void deleteHostDirs() throws IOException {
        deleteTree(root.resolve("hosts"));
    }

    /** Deletes the unpacked releases (the bulk), keeping the nodes' logs and data to look at. */
    void deleteReleases() throws IOException {
        for (Host host : ALL) {
            deleteTree(installDir(host).resolve("releases"));
        }
    }

    private static void deleteTree(Path hosts) throws IOException {
        if (!Files.exists(hosts)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(hosts)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    static Duration timeout(int minutes) {
        return Duration.ofMinutes(minutes);
    }

    private static String key(String yamlLine) {
        return yamlLine.substring(0, yamlLine.indexOf(':')).trim();
    }

    private static String quoted(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String currentGroup() {
        try {
            Process process = new ProcessBuilder("id", "-gn").redirectErrorStream(true).start();
            String group = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor() == 0 && !group.isEmpty() ? group : System.getProperty("user.name");
        } catch (IOException e) {
            return System.getProperty("user.name");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return System.getProperty("user.name");
        }
    }

    /** Four consecutive ports free on every host address (a wildcard listener elsewhere also blocks). */
    private static Ports freePorts() throws IOException {
        for (int base = 20100 + (int) (ProcessHandle.current().pid() % 50) * 10; base < 40000; base += 10) {
            if (allFree(base)) {
                return new Ports(base, base + 1, base + 2, base + 3);
            }
        }
        throw new IOException("no four free consecutive ports on " + ALL.stream().map(Host::address).toList());
    }

    private static boolean allFree(int base) {
        for (Host host : ALL) {
            for (int port = base; port < base + 4; port++) {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.bind(new InetSocketAddress(InetAddress.getByName(host.address()), port));
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }
}
