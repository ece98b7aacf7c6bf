package dev.raftkv.server;

import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Nodes of one cluster as separate JVMs ({@link Launcher}) on loopback, so that a node can
 * be killed with SIGKILL: its connections die without a gRPC goodbye, as when a host or
 * process crashes. Each node's output goes to {@code <root>/<id>.log}. For tests; shared
 * with the backend modules through the test-jar.
 */
public final class ProcessCluster implements AutoCloseable {

    private final Path root;
    private final String backend;
    private final List<String> jvmOptions;
    private final Map<String, Integer> peerPorts = new LinkedHashMap<>();
    private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public ProcessCluster(Path root, int size, String backend, List<String> jvmOptions) {
        this.root = root;
        this.backend = backend;
        this.jvmOptions = List.copyOf(jvmOptions);
        for (int i = 1; i <= size; i++) {
            peerPorts.put("n" + i, LocalCluster.freePort());
            clientPorts.put("n" + i, LocalCluster.freePort());
        }
    }

    public ProcessCluster startAll() {
        peerPorts.keySet().forEach(this::start);
        return this;
    }

    /** Starts node {@code id}'s JVM on its data directory (kept across restarts). */
    public void start(String id) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.add("-Draftkv.node.id=" + id);
        command.add("-Draftkv.members=" + peerPorts.keySet().stream()
                .map(n -> n + "=127.0.0.1:" + peerPorts.get(n) + ":" + clientPorts.get(n))
                .collect(Collectors.joining(",")));
        command.add("-Draftkv.client.port=" + clientPorts.get(id));
        command.add("-Draftkv.data.dir=" + root.resolve(id));
        command.add("-Draftkv.wal.backend=" + backend);
        command.add("-Draftkv.raft.tick-ms=20");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        try {
            Files.createDirectories(root);
            Path log = root.resolve(id + ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            processes.put(id, process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id, e);
        }
    }

    /** SIGKILL: the node's JVM dies at once; what it synced stays on disk. */
    public void kill(String id) {
        Process process = processes.remove(id);
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("node " + id + " did not die after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + id, e);
        }
        ManagedChannel channel = channels.remove(id);
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    public List<String> ids() {
        return new ArrayList<>(peerPorts.keySet());
    }

    public List<String> running() {
        return new ArrayList<>(processes.keySet());
    }

    public Path dataDir(String id) {
        return root.resolve(id);
    }

    /** Node {@code id}'s status, or empty when it does not answer (not started yet, or down). */
    public Optional<StatusResponse> status(String id) {
        try {
            return Optional.of(client(id, Duration.ofSeconds(2)).status(StatusRequest.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /** The running node that leads with a majority of the running nodes naming it, if any. */
    public Optional<String> leader() {
        Map<String, String> leaders = new LinkedHashMap<>();
        for (String id : running()) {
            status(id).ifPresent(s -> leaders.put(id, s.getHeader().getLeaderId()));
        }
        for (String id : leaders.keySet()) {
            long followers = leaders.values().stream().filter(id::equals).count();
            if (id.equals(leaders.get(id)) && followers > peerPorts.size() / 2) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }

    /** A blocking stub for node {@code id}'s client port, with a deadline from now. */
    public KvGrpc.KvBlockingStub client(String id, Duration deadline) {
        ManagedChannel channel = channels.computeIfAbsent(id, n -> NettyChannelBuilder
                .forAddress("127.0.0.1", clientPorts.get(n)).usePlaintext().build());
        return KvGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kills every node still running. */
    @Override
    public void close() {
        for (String id : running()) {
            kill(id);
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
