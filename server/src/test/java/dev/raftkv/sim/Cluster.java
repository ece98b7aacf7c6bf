package dev.raftkv.sim;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.raft.InjectedBug;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Role;
import dev.raftkv.storage.LogReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A simulated cluster: nodes, clients, the network between them and the invariant
 * checker, all on one {@link EventQueue}. Everything random draws from one seeded
 * source, so a cluster built from the same seed and driven the same way does the
 * same thing, event for event.
 */
final class Cluster {

    /**
     * Settings of a simulated cluster. Times in simulated milliseconds.
     *
     * @param snapshotEveryEntries a node snapshots each time it applied this many entries
     *     since its last snapshot
     * @param compactionTailEntries entries a node keeps below its snapshot for slow followers
     * @param snapshotChunkBytes size of the chunks a snapshot is streamed in
     * @param snapshotWindowChunks chunks of a stream in flight without an answer
     * @param maxCatchUpLagEntries see {@link RaftConfig#maxCatchUpLagEntries()}
     */
    record Settings(int nodes, int tickMillis, int electionTicks, int heartbeatTicks, int maxEntriesPerMessage,
                    int maxInflightMessages, int maxFsyncDelayMillis, int requestTimeoutMillis,
                    Set<InjectedBug> bugs, int snapshotEveryEntries, int compactionTailEntries,
                    int snapshotChunkBytes, int snapshotWindowChunks, int maxCatchUpLagEntries) {

        static Settings defaults(int nodes) {
            return new Settings(nodes, 10, 10, 2, 64, 8, 2, 400, Set.of(), 1_000_000, 0, 256, 4, 16);
        }

        Settings withBugs(Set<InjectedBug> bugs) {
            return new Settings(nodes, tickMillis, electionTicks, heartbeatTicks, maxEntriesPerMessage,
                    maxInflightMessages, maxFsyncDelayMillis, requestTimeoutMillis, bugs, snapshotEveryEntries,
                    compactionTailEntries, snapshotChunkBytes, snapshotWindowChunks, maxCatchUpLagEntries);
        }

        Settings withSnapshots(int everyEntries, int tailEntries, int chunkBytes, int windowChunks) {
            return new Settings(nodes, tickMillis, electionTicks, heartbeatTicks, maxEntriesPerMessage,
                    maxInflightMessages, maxFsyncDelayMillis, requestTimeoutMillis, bugs, everyEntries,
                    tailEntries, chunkBytes, windowChunks, maxCatchUpLagEntries);
        }
    }

    private final Settings settings;
    private final EventQueue queue = new EventQueue();
    private final SplittableRandom random;
    private final SimNetwork network;
    private final InvariantChecker checker = new InvariantChecker(queue);
    private final SimForwardCalls forwardCalls = new SimForwardCalls(this);
    /** Mutations of the driver for {@code MutationTest}. */
    private Set<DriverBug> driverBugs = Set.of();
    private final Map<String, SimNode> nodes = new LinkedHashMap<>();
    private final Map<String, SimClient> clients = new LinkedHashMap<>();
    private final List<String> nodeIds = new ArrayList<>();
    /** The nodes the cluster was bootstrapped with; nodes added later start with no configuration. */
    private final List<String> bootstrapIds = new ArrayList<>();
    private long churnUntilMillis = -1;
    private SimClient electionReader;
    private List<ByteString> electionReaderKeys;
    private SplittableRandom electionReaderRandom;
    private SplittableRandom churnRandom;

    Cluster(long seed, Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(seed);
        this.network = new SimNetwork(queue, random.split());
        for (int i = 1; i <= settings.nodes(); i++) {
            nodeIds.add("n" + i);
        }
        bootstrapIds.addAll(nodeIds);
        checker.bootstrap(bootstrapIds);
        for (String id : nodeIds) {
            nodes.put(id, new SimNode(id, this, random.split()));
        }
    }

    /** Starts every node. */
    void start() {
        nodes.values().forEach(SimNode::start);
    }

    SimClient addClient(List<ByteString> keys, int operations) {
        return addClient(keys, operations, true);
    }

    /**
     * Adds a client; one {@code withSession == false} sends its writes without a session,
     * once each, as raw gRPC callers do, and takes any failure as an unknown outcome.
     */
    SimClient addClient(List<ByteString> keys, int operations, boolean withSession) {
        String id = "c" + (clients.size() + 1);
        SimClient client = new SimClient(id, this, random.split(), keys, operations, withSession);
        clients.put(id, client);
        return client;
    }

    SimForwardCalls forwardCalls() {
        return forwardCalls;
    }

    boolean forwardWithoutDeduplication() {
        return driverBugs.contains(DriverBug.FORWARD_AGAIN_WITHOUT_DEDUPLICATION);
    }

    Set<DriverBug> driverBugs() {
        return driverBugs;
    }

    void driverBugs(Set<DriverBug> bugs) {
        this.driverBugs = Set.copyOf(bugs);
    }

    /** The driver mutations that re-wire the production apply path. */
    Set<dev.raftkv.server.SimulatedApplier.Mutation> applierMutations() {
        Set<dev.raftkv.server.SimulatedApplier.Mutation> mutations = new java.util.HashSet<>();
        for (dev.raftkv.server.SimulatedApplier.Mutation m : dev.raftkv.server.SimulatedApplier.Mutation.values()) {
            if (driverBugs.contains(DriverBug.valueOf(m.name()))) {
                mutations.add(m);
            }
        }
        return mutations;
    }

    RaftConfig raftConfig(String id, RandomGenerator electionRandom) {
        return RaftConfig.defaults(id, bootstrapIds.contains(id) ? bootstrapIds : List.of(), electionRandom)
                .withTicks(settings.electionTicks(), settings.heartbeatTicks())
                .withMessageLimits(1 << 20, settings.maxEntriesPerMessage(), settings.maxInflightMessages())
                .withMaxCatchUpLagEntries(settings.maxCatchUpLagEntries());
    }

    /** A node's core, restored from {@code store} and its newest snapshot (or null), with this run's injected bugs. */
    RaftNode core(RaftConfig config, LogReader store, SnapshotMeta latestSnapshot) {
        return InjectedBug.node(config, store, latestSnapshot, settings.bugs());
    }

    /** Creates and starts a node that is not a member yet: it waits for a leader to add it. */
    SimNode addNode() {
        String id = "n" + (nodeIds.size() + 1);
        SimNode node = new SimNode(id, this, random.split());
        nodes.put(id, node);
        nodeIds.add(id);
        node.start();
        return node;
    }

    /**
     * The members (voters and learners) of the configuration the current leader uses,
     * or every node while there is no leader.
     */
    List<SimNode> members() {
        SimNode leader = leader();
        if (leader == null) {
            return nodes();
        }
        List<SimNode> members = new ArrayList<>();
        for (SimNode node : nodes.values()) {
            if (leader.raft().voters().contains(node.id) || leader.raft().learners().contains(node.id)) {
                members.add(node);
            }
        }
        return members;
    }

    /** Runs events until {@code condition} holds or simulated time passes {@code deadlineMillis}; returns whether it held. */
    boolean runUntil(java.util.function.BooleanSupplier condition, long deadlineMillis) {
        while (!condition.getAsBoolean()) {
            if (checker.violation() != null) {
                return false;
            }
            if (!queue.runNext(deadlineMillis)) {
                return condition.getAsBoolean();
            }
        }
        return true;
    }

    /** Runs every event up to {@code timeMillis}. */
    void runFor(long millis) {
        long until = queue.nowMillis() + millis;
        while (checker.violation() == null && queue.runNext(until)) {
            // each event does its own work
        }
    }

    /** The one leader that every up node agrees on with the highest term, or null. */
    SimNode leader() {
        SimNode leader = null;
        for (SimNode node : nodes.values()) {
            if (node.isUp() && node.raft().role() == Role.LEADER
                    && (leader == null || node.raft().term() > leader.raft().term())) {
                leader = node;
            }
        }
        return leader;
    }

    /** Whether some leader's term is acknowledged by a quorum of up nodes as their leader. */
    boolean hasStableLeader() {
        SimNode leader = leader();
        if (leader == null) {
            return false;
        }
        int following = 0;
        Set<String> voters = leader.raft().voters();
        for (SimNode node : nodes.values()) {
            RaftNode raft = node.isUp() ? node.raft() : null;
            if (raft != null && voters.contains(node.id) && raft.term() == leader.raft().term()
                    && leader.id.equals(raft.leaderId())) {
                following++;
            }
        }
        return following >= voters.size() / 2 + 1;
    }

    /**
     * Until {@code untilMillis}, every new leader is crashed or cut off within a few
     * milliseconds of its election: short reigns that leave logs partly replicated,
     * the situation of the paper's Figure 8.
     */
    void churnLeadersUntil(long untilMillis, SplittableRandom random) {
        churnUntilMillis = untilMillis;
        churnRandom = random;
    }

    /**
     * Steers a read right after each election: {@code reader} (idle between reads) asks
     * the new leader for a key at once, while it may not have committed an entry of its
     * term yet (thesis §6.4, step 1). Null turns it off.
     */
    void readAfterElections(SimClient reader, List<ByteString> keys, SplittableRandom random) {
        this.electionReader = reader;
        this.electionReaderKeys = keys;
        this.electionReaderRandom = random;
    }

    void onLeaderElected(SimNode leader) {
        if (electionReader != null && !electionReader.busy()) {
            electionReader.preferNode(leader.id);
            electionReader.readFinal(electionReaderKeys.get(electionReaderRandom.nextInt(electionReaderKeys.size())));
        }
        if (queue.nowMillis() >= churnUntilMillis) {
            return;
        }
        boolean crash = churnRandom.nextBoolean();
        int restartAfter = 20 + churnRandom.nextInt(300);
        queue.after(churnRandom.nextInt(15), () -> {
            if (!leader.isUp()) {
                return;
            }
            if (crash) {
                leader.crash();
                queue.after(restartAfter, () -> {
                    if (!leader.isUp()) {
                        leader.start();
                    }
                });
            } else {
                List<String> others = new ArrayList<>(nodeIds);
                others.remove(leader.id);
                network.partition(List.of(leader.id), others);
                queue.after(restartAfter, network::healAll);
            }
        });
    }

    SimNode node(String id) {
        return nodes.get(id);
    }

    List<SimNode> nodes() {
        return List.copyOf(nodes.values());
    }

    List<String> nodeIds() {
        return nodeIds;
    }

    SimClient client(String id) {
        return clients.get(id);
    }

    List<SimClient> clients() {
        return List.copyOf(clients.values());
    }

    String randomNodeId(SplittableRandom from) {
        return nodeIds.get(from.nextInt(nodeIds.size()));
    }

    EventQueue queue() {
        return queue;
    }

    SimNetwork network() {
        return network;
    }

    InvariantChecker checker() {
        return checker;
    }

    SplittableRandom random() {
        return random;
    }

    Settings settings() {
        return settings;
    }

    int tickMillis() {
        return settings.tickMillis();
    }

    int requestTimeoutMillis() {
        return settings.requestTimeoutMillis();
    }

    /**
     * How the disks of a run misbehave beyond losing unsynced writes: on {@code node}
     * only, or on every node when it is null, a share {@code tailRate} of syncs takes
     * {@code tailMinMillis..tailMaxMillis} longer (a long tail that widens every window
     * between writing and durability, up to past an election timeout), and a share
     * {@code syncErrorRate} fails with an I/O error.
     */
    record DiskFaults(String node, double tailRate, int tailMinMillis, int tailMaxMillis, double syncErrorRate) {

        static final DiskFaults NONE = new DiskFaults(null, 0, 0, 0, 0);

        boolean on(String nodeId) {
            return node == null || node.equals(nodeId);
        }
    }

    private DiskFaults diskFaults = DiskFaults.NONE;

    void setDiskFaults(DiskFaults faults) {
        this.diskFaults = faults;
    }

    /** How long the sync of one batch takes on {@code node}'s disk, drawn from {@code from}. */
    long fsyncDelayMillis(String node, SplittableRandom from) {
        long delay = from.nextInt(settings.maxFsyncDelayMillis() + 1);
        DiskFaults faults = diskFaults;
        if (faults.tailRate() > 0 && faults.on(node) && from.nextDouble() < faults.tailRate()) {
            delay += faults.tailMinMillis() + from.nextInt(faults.tailMaxMillis() - faults.tailMinMillis() + 1);
        }
        return delay;
    }

    /** Whether this sync on {@code node}'s disk fails with an I/O error, drawn from {@code from}. */
    boolean syncFails(String node, SplittableRandom from) {
        DiskFaults faults = diskFaults;
        return faults.syncErrorRate() > 0 && faults.on(node) && from.nextDouble() < faults.syncErrorRate();
    }
}
