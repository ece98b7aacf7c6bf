package dev.raftkv.liberty.metrics;

import dev.raftkv.liberty.NodeStarted;
import dev.raftkv.liberty.NodeStopping;
import dev.raftkv.raft.ElectionEvent;
import dev.raftkv.raft.Role;
import dev.raftkv.server.NodeMetrics;
import dev.raftkv.server.NodeStatus;
import dev.raftkv.server.RaftServer;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * Registers the node's metrics once it has started: gauges read from {@link RaftServer#status()} and
 * {@link NodeMetrics} when Prometheus scrapes, the node's totals as counters (raised every second), the
 * fsync latency as a histogram (buckets set in
 * microprofile-config.properties), and, sampled every second on the container's scheduled executor, rates of
 * proposals and applies and one replication-lag gauge per follower.
 */
@ApplicationScoped
public class NodeMetricsExporter {

    private static final long SAMPLE_MILLIS = 1000;

    @Inject
    @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
    MetricRegistry registry;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService scheduler;

    private volatile RaftServer server;
    private volatile ScheduledFuture<?> sampling;
    private final Set<String> lagGauges = new HashSet<>();
    private final Rates rates = new Rates();
    private volatile List<CumulativeCounter> counters = List.of();

    void register(@Observes NodeStarted event) {
        RaftServer node = event.server();
        server = node;
        NodeMetrics metrics = node.metrics();
        gauge("raftkv.term", "The current Raft term", MetricUnits.NONE, () -> status().term());
        for (Role role : Role.values()) {
            registry.gauge(Metadata.builder().withName("raftkv.role")
                            .withDescription("1 for the role this node plays now, 0 for the others").build(),
                    this, exporter -> exporter.status().role() == role ? 1 : 0, new Tag("role", role.name()));
        }
        gauge("raftkv.commit.index", "Highest log index known to be committed", MetricUnits.NONE,
                () -> status().commitIndex());
        gauge("raftkv.applied.index", "Highest log index applied to the state machine", MetricUnits.NONE,
                () -> status().appliedIndex());
        gauge("raftkv.last.index", "Last index in this node's log", MetricUnits.NONE, () -> status().lastIndex());
        gauge("raftkv.first.index", "First index still in this node's log", MetricUnits.NONE,
                () -> status().firstIndex());
        counters = registerCounters(metrics);
        gauge("raftkv.snapshot.index", "Index of the newest snapshot this node holds", MetricUnits.NONE,
                () -> status().snapshotIndex());
        gauge("raftkv.snapshot.last.size", "Size of the last snapshot this node wrote", MetricUnits.BYTES,
                metrics::lastSnapshotBytes);
        gauge("raftkv.snapshot.last.duration", "Time the last snapshot took to write", MetricUnits.SECONDS,
                () -> metrics.lastSnapshotNanos() / 1e9);
        gauge("raftkv.snapshot.pause.max", "Longest pause a snapshot forced on the apply path", MetricUnits.SECONDS,
                () -> metrics.longestSnapshotPauseNanos() / 1e9);
        gauge("raftkv.proposals.rate", "Commands proposed per second, over the last second", MetricUnits.PER_SECOND,
                () -> rates.proposalsPerSecond);
        gauge("raftkv.applies.rate", "Entries applied per second, over the last second", MetricUnits.PER_SECOND,
                () -> rates.appliesPerSecond);
        // A histogram of microseconds rather than a timer: timer buckets cannot go below 1 ms, and an fsync
        // here takes a fraction of that.
        Histogram sync = registry.histogram(Metadata.builder().withName("raftkv.wal.sync.micros")
                .withDescription("Duration of one sync (fsync) of the write-ahead log, in microseconds").build());
        metrics.onSync(nanos -> sync.update(nanos / 1_000));
        registerElectionMetrics(metrics);
        rates.reset(node);
        sampling = scheduler.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Why elections happen: counters of election timeouts, of elections this node started and of its
     * step-downs as leader, by cause, and a histogram of how long this node had not handled a message from a
     * leader when its election timeout fired (the transition log has the details of each).
     */
    private void registerElectionMetrics(NodeMetrics metrics) {
        Counter timeouts = registry.counter(Metadata.builder().withName("raftkv.election.timeouts")
                .withDescription("Election timeouts that fired on this node (each starts a pre-vote round)").build());
        Map<ElectionEvent.Cause, Counter> elections = new EnumMap<>(ElectionEvent.Cause.class);
        Map<ElectionEvent.Cause, Counter> stepDowns = new EnumMap<>(ElectionEvent.Cause.class);
        Metadata electionsMeta = Metadata.builder().withName("raftkv.elections")
                .withDescription("Elections this node started, raising its term, by cause").build();
        Metadata stepDownsMeta = Metadata.builder().withName("raftkv.leader.stepdowns")
                .withDescription("Times this node stopped leading, by cause").build();
        for (ElectionEvent.Cause cause : List.of(ElectionEvent.Cause.ELECTION_TIMEOUT, ElectionEvent.Cause.TIMEOUT_NOW)) {
            elections.put(cause, registry.counter(electionsMeta, new Tag("cause", causeName(cause))));
        }
        for (ElectionEvent.Cause cause : List.of(ElectionEvent.Cause.CHECK_QUORUM, ElectionEvent.Cause.HIGHER_TERM)) {
            stepDowns.put(cause, registry.counter(stepDownsMeta, new Tag("cause", causeName(cause))));
        }
        Histogram silence = registry.histogram(Metadata.builder().withName("raftkv.election.leader.silence.millis")
                .withDescription("When an election timeout fired: milliseconds since this node had handled a"
                        + " message from a leader").build());
        metrics.onElectionEvent((event, millisSinceLeader) -> {
            if (event.timeoutFired()) {
                timeouts.inc();
                if (millisSinceLeader >= 0) {
                    silence.update(millisSinceLeader);
                }
            }
            if (event.startedElection()) {
                elections.get(event.cause()).inc();
            }
            if (event.leaderSteppedDown()) {
                stepDowns.get(event.cause()).inc();
            }
        });
    }

    private static String causeName(ElectionEvent.Cause cause) {
        return cause.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    void unregister(@Observes NodeStopping event) {
        ScheduledFuture<?> task = sampling;
        if (task != null) {
            task.cancel(false);
        }
        event.server().metrics().onSync(null);
        event.server().metrics().onElectionEvent(null);
        registry.removeMatching((id, metric) -> id.getName().startsWith("raftkv."));
        synchronized (lagGauges) {
            lagGauges.clear();
        }
        counters = List.of();
        server = null;
    }

    /**
     * The node's totals that only grow, as counters (Prometheus {@code raftkv_leader_changes_total}, ...),
     * raised to the node's counts now and by every sample.
     */
    List<CumulativeCounter> registerCounters(NodeMetrics metrics) {
        List<CumulativeCounter> registered = new ArrayList<>();
        counter(registered, "raftkv.leader.changes", "Times this node saw a new leader", metrics::leaderChanges);
        counter(registered, "raftkv.proposals", "Commands this node proposed as leader", metrics::proposals);
        counter(registered, "raftkv.proposals.rejected", "Writes refused because the proposal queue was full",
                metrics::rejectedProposals);
        counter(registered, "raftkv.snapshots", "Snapshots this node wrote", metrics::snapshots);
        counter(registered, "raftkv.snapshots.installed", "Snapshots received from a leader and installed",
                metrics::snapshotsInstalled);
        counter(registered, "raftkv.applied", "Entries this node applied", metrics::applied);
        registered.forEach(CumulativeCounter::catchUp);
        return List.copyOf(registered);
    }

    private void counter(List<CumulativeCounter> registered, String name, String description, LongSupplier count) {
        registered.add(new CumulativeCounter(registry.counter(Metadata.builder().withName(name)
                .withDescription(description).build()), count));
    }

    private NodeStatus status() {
        RaftServer node = server;
        if (node == null) {
            throw new IllegalStateException("the node is not running");
        }
        return node.status();
    }

    private void gauge(String name, String description, String unit, java.util.function.Supplier<Number> value) {
        registry.gauge(Metadata.builder().withName(name).withDescription(description).withUnit(unit).build(),
                value, supplier -> supplier.get().doubleValue());
    }

    private void sample() {
        RaftServer node = server;
        if (node == null) {
            return;
        }
        rates.sample(node);
        counters.forEach(CumulativeCounter::catchUp);
        NodeStatus status = node.status();
        Set<String> members = new HashSet<>();
        status.members().forEach(member -> members.add(member.id()));
        synchronized (lagGauges) {
            for (String member : members) {
                if (!member.equals(status.nodeId()) && lagGauges.add(member)) {
                    registry.gauge(Metadata.builder().withName("raftkv.replication.lag")
                                    .withDescription("Entries a follower trails the leader's last index by "
                                            + "(on the leader; 0 elsewhere)").build(),
                            this, exporter -> exporter.lag(member), new Tag("follower", member));
                }
            }
            for (String member : Set.copyOf(lagGauges)) {
                if (!members.contains(member)) {
                    registry.remove(new MetricID("raftkv.replication.lag", new Tag("follower", member)));
                    lagGauges.remove(member);
                }
            }
        }
    }

    private long lag(String member) {
        NodeStatus status = status();
        if (status.role() != Role.LEADER) {
            return 0;
        }
        NodeStatus.MemberStatus follower = status.member(member);
        return follower == null || follower.lag() == null ? 0 : follower.lag();
    }

    /** Per-second rates between two samples; written by the sampling task, read by scrapes. */
    private static final class Rates {
        private long lastNanos;
        private long lastProposals;
        private long lastApplied;
        volatile double proposalsPerSecond;
        volatile double appliesPerSecond;

        void reset(RaftServer node) {
            lastNanos = System.nanoTime();
            lastProposals = node.metrics().proposals();
            lastApplied = node.metrics().applied();
        }

        void sample(RaftServer node) {
            long now = System.nanoTime();
            long proposals = node.metrics().proposals();
            long applied = node.metrics().applied();
            double seconds = (now - lastNanos) / 1e9;
            if (seconds > 0) {
                proposalsPerSecond = (proposals - lastProposals) / seconds;
                appliesPerSecond = (applied - lastApplied) / seconds;
            }
            lastNanos = now;
            lastProposals = proposals;
            lastApplied = applied;
        }
    }
}
