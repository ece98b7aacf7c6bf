package dev.raftkv.server;

import dev.raftkv.proto.KvGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Nodes of one cluster in this JVM, talking real gRPC over loopback, each with its own
 * data directory and log backend. For tests; shared with the backend modules through
 * the test-jar.
 */
public final class LocalCluster implements AutoCloseable {

    private final Path root;
    private final String backend;
    private final Map<String, Integer> peerPorts = new LinkedHashMap<>();
    private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
    private final Map<String, RaftServer> nodes = new LinkedHashMap<>();
    private final Map<String, ManagedChannel> channels = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final long seed;

    public LocalCluster(Path root, int size, String backend, long seed) {
        this.root = root;
        this.backend = backend;
        this.seed = seed;
        for (int i = 1; i <= size; i++) {
            peerPorts.put("n" + i, freePort());
            clientPorts.put("n" + i, freePort());
        }
    }

    /** Sets a {@code raftkv.*} property for every node started from now on. */
    public LocalCluster with(String property, String value) {
        overrides.put(property, value);
        return this;
    }

    public LocalCluster startAll() {
        peerPorts.keySet().forEach(this::start);
        return this;
    }

    public RaftServer start(String id) {
        return start(id, Map.of());
    }

    /** Chooses the ports of a node to be started later (e.g. so that an administrator can add it first). */
    public void reserve(String id) {
        peerPorts.computeIfAbsent(id, n -> freePort());
        clientPorts.computeIfAbsent(id, n -> freePort());
    }

    /**
     * Starts a new node {@code id} in join mode: it asks the cluster, through {@code via}'s
     * peer port, to add it (and, unless {@code raftkv.join.auto-promote} is overridden, to
     * promote it once caught up).
     */
    public RaftServer startJoining(String id, String via, Map<String, String> extra) {
        reserve(id);
        Map<String, String> properties = new LinkedHashMap<>(extra);
        properties.put("raftkv.join", "127.0.0.1:" + peerPorts.get(via));
        return start(id, properties);
    }

    /**
     * Starts a new node {@code id} in join mode whose {@code raftkv.members} lists only
     * itself, as the README allows: everything else it must learn from the cluster.
     */
    public RaftServer startJoiningKnowingOnlyItself(String id, String via) {
        peerPorts.put(id, freePort());
        clientPorts.put(id, freePort());
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("raftkv.join", "127.0.0.1:" + peerPorts.get(via));
        properties.put("raftkv.members", id + "=127.0.0.1:" + peerPorts.get(id) + ":" + clientPorts.get(id));
        return start(id, properties);
    }

    /** Starts node {@code id} with {@code extra} properties on top of the cluster's (e.g. its own certificate). */
    public RaftServer start(String id, Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("raftkv.node.id", id);
        properties.put("raftkv.members", peerPorts.keySet().stream()
                .map(n -> n + "=127.0.0.1:" + peerPorts.get(n) + ":" + clientPorts.get(n))
                .collect(Collectors.joining(",")));
        properties.put("raftkv.data.dir", root.resolve(id).toString());
        properties.put("raftkv.wal.backend", backend);
        properties.put("raftkv.raft.tick-ms", "20");
        properties.put("raftkv.raft.election-ticks", "10");
        properties.put("raftkv.raft.heartbeat-ticks", "2");
        properties.putAll(overrides);
        properties.putAll(extra);
        NodeConfig config = NodeConfig.load(name -> Optional.ofNullable(properties.get(name)));
        RaftServer server = new RaftServer(config, TimeSource.SYSTEM,
                new SplittableRandom(seed * 31 + id.hashCode()), Thread::new);
        server.start();
        nodes.put(id, server);
        return server;
    }

    /** Stops a node as a crash would, from the cluster's point of view (its synced log stays). */
    public void stop(String id) {
        RaftServer server = nodes.remove(id);
        if (server != null) {
            server.close();
        }
        ManagedChannel channel = channels.remove(id);
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    public RaftServer node(String id) {
        return nodes.get(id);
    }

    public List<String> ids() {
        return new ArrayList<>(peerPorts.keySet());
    }

    public List<String> running() {
        return new ArrayList<>(nodes.keySet());
    }

    /** The node that leads in the highest term among running nodes, if a majority follows it. */
    public Optional<String> leader() {
        String best = null;
        long bestTerm = -1;
        for (RaftServer node : nodes.values()) {
            NodeStatus status = node.status();
            if (status.role() == dev.raftkv.raft.Role.LEADER && status.term() > bestTerm) {
                best = status.nodeId();
                bestTerm = status.term();
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        String leader = best;
        long followers = nodes.values().stream().filter(n -> leader.equals(n.status().leaderId())).count();
        return followers > peerPorts.size() / 2 ? Optional.of(leader) : Optional.empty();
    }

    public String peerAddress(String id) {
        return "127.0.0.1:" + peerPorts.get(id);
    }

    public String clientAddress(String id) {
        return "127.0.0.1:" + clientPorts.get(id);
    }

    /** A blocking stub for node {@code id}'s client port, with a deadline per call. */
    public KvGrpc.KvBlockingStub client(String id, Duration deadline) {
        return KvGrpc.newBlockingStub(channel(id)).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An asynchronous stub for node {@code id}'s client port (e.g. for {@code Pipeline} streams). */
    public KvGrpc.KvStub asyncClient(String id) {
        return KvGrpc.newStub(channel(id));
    }

    private ManagedChannel channel(String id) {
        return channels.computeIfAbsent(id, n -> NettyChannelBuilder
                .forAddress("127.0.0.1", clientPorts.get(n)).usePlaintext().build());
    }

    @Override
    public void close() {
        for (String id : new ArrayList<>(nodes.keySet())) {
            stop(id);
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
    }

    /**
     * Ports below Linux's ephemeral range (32768+), so that outgoing connections made
     * between choosing a port and binding it cannot take it; each JVM starts at its own
     * offset, and a port is checked free before it is handed out.
     */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
            new java.util.concurrent.atomic.AtomicInteger(20_000 + (int) (ProcessHandle.current().pid() % 500) * 20);

    static int freePort() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = NEXT_PORT.getAndIncrement();
            if (port >= 32_000) {
                NEXT_PORT.set(20_000);
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException e) {
                // taken: try the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free port found in 20000..32000"));
    }
}
