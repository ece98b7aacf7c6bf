package dev.raftkv.liberty.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.liberty.NodeStarted;
import dev.raftkv.server.NodeConfig;
import dev.raftkv.server.RaftServer;
import dev.raftkv.server.TimeSource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which kind of metric each node figure is registered as, without a server: the registry records the calls. */
class NodeMetricsExporterTest {

    private static final List<String> TOTALS = List.of("raftkv.leader.changes", "raftkv.proposals",
            "raftkv.proposals.rejected", "raftkv.snapshots", "raftkv.snapshots.installed", "raftkv.applied");

    @TempDir
    Path dir;

    /** Metric name to the registry method that registered it ("counter", "gauge", "histogram"). */
    private final Map<String, String> registered = new ConcurrentHashMap<>();

    @Test
    void when_the_node_starts_then_its_totals_are_counters_and_its_levels_gauges() {
        NodeMetricsExporter exporter = new NodeMetricsExporter();
        exporter.registry = recordingRegistry();
        exporter.scheduler = (ManagedScheduledExecutorService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ManagedScheduledExecutorService.class}, (proxy, method, args) -> null);
        NodeConfig config = NodeConfig.load(name -> Optional.ofNullable(Map.of("raftkv.node.id", "n1",
                "raftkv.members", "n1=127.0.0.1:7001:9001", "raftkv.data.dir", dir.toString()).get(name)));

        exporter.register(new NodeStarted(new RaftServer(config, TimeSource.SYSTEM, new SplittableRandom(1),
                Thread::new), null));

        for (String total : TOTALS) {
            assertThat(registered).as(total).containsEntry(total, "counter");
        }
        assertThat(registered).containsEntry("raftkv.term", "gauge").containsEntry("raftkv.commit.index", "gauge");
    }

    @Test
    void a_cumulative_counter_follows_its_count_and_never_goes_down() {
        AtomicLong count = new AtomicLong(3);
        Counter counter = new SimpleCounter();
        CumulativeCounter cumulative = new CumulativeCounter(counter, count::get);

        cumulative.catchUp();
        assertThat(counter.getCount()).isEqualTo(3);
        count.set(10);
        cumulative.catchUp();
        cumulative.catchUp();
        assertThat(counter.getCount()).isEqualTo(10);
        count.set(4);
        cumulative.catchUp();
        assertThat(counter.getCount()).isEqualTo(10);
    }

    private MetricRegistry recordingRegistry() {
        return (MetricRegistry) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {MetricRegistry.class},
                (proxy, method, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof Metadata metadata) {
                        registered.merge(metadata.getName(), method.getName(), (a, b) -> a.equals(b) ? a : a + "," + b);
                    }
                    return method.getReturnType() == Counter.class ? new SimpleCounter() : null;
                });
    }

    private static final class SimpleCounter implements Counter {
        private final AtomicLong count = new AtomicLong();

        @Override
        public void inc() {
            count.incrementAndGet();
        }

        @Override
        public void inc(long n) {
            count.addAndGet(n);
        }

        @Override
        public long getCount() {
            return count.get();
        }
    }
}
