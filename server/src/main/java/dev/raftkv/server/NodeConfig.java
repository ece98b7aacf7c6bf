package dev.raftkv.server;

import dev.raftkv.storage.LogStoreProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of one node, read from {@code raftkv.*} properties. The same names
 * work as JVM system properties (the plain launcher), MicroProfile Config sources and
 * environment variables ({@code RAFTKV_NODE_ID} for {@code raftkv.node.id}).
 *
 * @param nodeId {@code raftkv.node.id}
 * @param clusterId {@code raftkv.cluster.id}: a node refuses data written for another cluster
 * @param members {@code raftkv.members}: {@code id=host:peerPort[:clientPort],...}, this node among them
 * @param peerPort {@code raftkv.peer.port}: where peers connect (default: this node's member entry)
 * @param clientPort {@code raftkv.client.port}: where clients connect
 * @param bindHost {@code raftkv.bind.host}: the address both ports listen on
 * @param dataDir {@code raftkv.data.dir}
 * @param walBackend {@code raftkv.wal.backend}: {@code rocksdb}, {@code chronicle} or {@code memory}
 * @param tickInterval {@code raftkv.raft.tick-ms}: one Raft tick
 * @param electionTicks {@code raftkv.raft.election-ticks}
 * @param heartbeatTicks {@code raftkv.raft.heartbeat-ticks}
 * @param maxPendingProposals {@code raftkv.raft.max-pending-proposals}: past it, writes get RESOURCE_EXHAUSTED
 * @param maxKeyBytes {@code raftkv.kv.max-key-bytes}
 * @param maxValueBytes {@code raftkv.kv.max-value-bytes}, at most 8 MiB: a log entry must stay well within
 *     what every backend stores in one record (Chronicle: about 16 MiB)
 * @param requestTimeout {@code raftkv.client.request-timeout-ms}: deadline of requests that carry none
 * @param join {@code raftkv.join}: {@code host:peerPort} of any member of a running cluster this node
 *     joins (it starts with no voters, asks to be added as a learner and waits for the log); null to
 *     start as one of the voters in {@code raftkv.members}
 * @param joinAutoPromote {@code raftkv.join.auto-promote}: a joining node asks to be promoted to voter
 *     once it has caught up (default true); false leaves promotion to the operator
 * @param snapshots when to take snapshots and how much to keep ({@code raftkv.snapshot.*})
 * @param tls TLS on the peer and client ports ({@code raftkv.tls.*}), {@link TlsSettings#OFF} by default
 */
public record NodeConfig(
        String nodeId,
        String clusterId,
        Map<String, Member> members,
        int peerPort,
        int clientPort,
        String bindHost,
        Path dataDir,
        String walBackend,
        Duration tickInterval,
        int electionTicks,
        int heartbeatTicks,
        int maxPendingProposals,
        int maxKeyBytes,
        int maxValueBytes,
        Duration requestTimeout,
        String join,
        boolean joinAutoPromote,
        SnapshotPolicy snapshots,
        TlsSettings tls) {

    /**
     * @param everyEntries {@code raftkv.snapshot.every-entries}: take a snapshot once this many entries
     *     were applied since the last one (default 100,000)
     * @param everyBytes {@code raftkv.snapshot.every-mb}: or once the log written since the last one
     *     exceeds this many MiB (default 64)
     * @param retain {@code raftkv.snapshot.retain}: snapshot files kept (default 2, at least 1)
     * @param compactionTail {@code raftkv.snapshot.compaction-tail}: entries kept in the log before the
     *     snapshot's index, so a follower that is only a little behind gets entries, not a snapshot
     *     (default 10,000)
     */
    public record SnapshotPolicy(long everyEntries, long everyBytes, int retain, long compactionTail) {
    }

    private static final Pattern MEMBER = Pattern.compile("([A-Za-z0-9_.-]+)=([^:=,\\s]+):(\\d+)(?::(\\d+))?");

    public NodeConfig {
        members = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }

    /** This node's own member entry. */
    public Member self() {
        return members.get(nodeId);
    }

    /**
     * Reads and validates every setting through {@code lookup} (property name to value).
     *
     * @throws ConfigException naming the first property that is missing or wrong
     */
    public static NodeConfig load(Function<String, Optional<String>> lookup) {
        Reader r = new Reader(lookup);
        String nodeId = r.required("raftkv.node.id");
        Map<String, Member> members = parseMembers(r.required("raftkv.members"));
        if (!members.containsKey(nodeId)) {
            throw new ConfigException("raftkv.members", "does not list this node's id '" + nodeId + "' (members: "
                    + members.keySet() + ")");
        }
        Member self = members.get(nodeId);
        int peerPort = r.port("raftkv.peer.port", self.peerPort());
        int clientPort = r.port("raftkv.client.port", self.clientPort() == 0 ? 9000 : self.clientPort());
        if (peerPort == clientPort && peerPort != 0) {
            throw new ConfigException("raftkv.client.port", "clashes with raftkv.peer.port (both " + peerPort + ")");
        }
        String backend = r.optional("raftkv.wal.backend").orElse("rocksdb");
        if (!backend.matches("rocksdb|chronicle|memory") && LogStoreProvider.available().stream()
                .noneMatch(provider -> provider.name().equals(backend))) {
            throw new ConfigException("raftkv.wal.backend", "unknown backend '" + backend
                    + "'; use rocksdb, chronicle or memory");
        }
        int electionTicks = r.integer("raftkv.raft.election-ticks", 10, 2, 1000);
        int heartbeatTicks = r.integer("raftkv.raft.heartbeat-ticks", 1, 1, 1000);
        if (heartbeatTicks >= electionTicks) {
            throw new ConfigException("raftkv.raft.heartbeat-ticks", "must be below raftkv.raft.election-ticks ("
                    + heartbeatTicks + " >= " + electionTicks + ")");
        }
        String join = r.optional("raftkv.join").orElse(null);
        if (join != null && !join.matches("[^:=,\\s]+:\\d{1,5}")) {
            throw new ConfigException("raftkv.join", "'" + join + "' is not host:peerPort of a cluster member");
        }
        return new NodeConfig(
                nodeId,
                r.optional("raftkv.cluster.id").orElse("raftkv"),
                members,
                peerPort,
                clientPort,
                r.optional("raftkv.bind.host").orElse("127.0.0.1"),
                Path.of(r.required("raftkv.data.dir")),
                backend,
                Duration.ofMillis(r.integer("raftkv.raft.tick-ms", 50, 1, 60_000)),
                electionTicks,
                heartbeatTicks,
                r.integer("raftkv.raft.max-pending-proposals", 10_000, 1, 10_000_000),
                r.integer("raftkv.kv.max-key-bytes", 4096, 1, 1 << 20),
                r.integer("raftkv.kv.max-value-bytes", 1 << 20, 1, 8 << 20),
                Duration.ofMillis(r.integer("raftkv.client.request-timeout-ms", 5_000, 1, 3_600_000)),
                join,
                r.bool("raftkv.join.auto-promote", true),
                new SnapshotPolicy(
                        r.integer("raftkv.snapshot.every-entries", 100_000, 1, Integer.MAX_VALUE),
                        r.integer("raftkv.snapshot.every-mb", 64, 1, 1 << 20) * (1L << 20),
                        r.integer("raftkv.snapshot.retain", 2, 1, 1000),
                        r.integer("raftkv.snapshot.compaction-tail", 10_000, 0, Integer.MAX_VALUE)),
                TlsSettings.load(lookup));
    }

    /** Looks names up as system properties, then as environment variables ({@code RAFTKV_NODE_ID}). */
    public static Function<String, Optional<String>> systemLookup() {
        return name -> {
            String value = System.getProperty(name);
            if (value == null) {
                value = System.getenv(name.toUpperCase().replace('.', '_').replace('-', '_'));
            }
            return Optional.ofNullable(value).map(String::strip).filter(v -> !v.isEmpty());
        };
    }

    static Map<String, Member> parseMembers(String text) {
        Map<String, Member> members = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String item = part.strip();
            Matcher m = MEMBER.matcher(item);
            if (!m.matches()) {
                throw new ConfigException("raftkv.members", "'" + item + "' is not id=host:peerPort[:clientPort]");
            }
            String id = m.group(1);
            int peerPort = Integer.parseInt(m.group(3));
            int clientPort = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
            if (peerPort < 1 || peerPort > 65535 || clientPort > 65535) {
                throw new ConfigException("raftkv.members", "'" + item + "' has a port outside 1..65535");
            }
            if (members.put(id, new Member(id, m.group(2), peerPort, clientPort)) != null) {
                throw new ConfigException("raftkv.members", "lists '" + id + "' twice");
            }
        }
        return members;
    }

    private record Reader(Function<String, Optional<String>> lookup) {

        Optional<String> optional(String name) {
            return lookup.apply(name);
        }

        String required(String name) {
            return lookup.apply(name).orElseThrow(() -> new ConfigException(name, "is required"));
        }

        int integer(String name, int defaultValue, int min, int max) {
            Optional<String> text = lookup.apply(name);
            if (text.isEmpty()) {
                return defaultValue;
            }
            int value;
            try {
                value = Integer.parseInt(text.get());
            } catch (NumberFormatException e) {
                throw new ConfigException(name, "'" + text.get() + "' is not a whole number");
            }
            if (value < min || value > max) {
                throw new ConfigException(name, value + " is outside " + min + ".." + max);
            }
            return value;
        }

        boolean bool(String name, boolean defaultValue) {
            Optional<String> text = lookup.apply(name);
            if (text.isEmpty()) {
                return defaultValue;
            }
            return switch (text.get().toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new ConfigException(name, "'" + text.get() + "' is neither true nor false");
            };
        }

        int port(String name, int defaultValue) {
            return integer(name, defaultValue, 0, 65535);
        }
    }
}
