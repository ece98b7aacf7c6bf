package dev.raftkv.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.InjectedBug;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The main test of the Raft core: thousands of seeded simulations of 3- and 5-node
 * clusters under every fault kind, each checked for Raft's safety invariants,
 * liveness after healing, replica convergence and linearizability.
 *
 * <p>Settings (system properties): {@code raftkv.sim.seeds} (how many, default from
 * the pom), {@code raftkv.sim.firstSeed} (default 1), {@code raftkv.sim.seed} (replay
 * just this one, printing its outcome), {@code raftkv.sim.bugs} (comma-separated
 * {@link InjectedBug} names, to replay a mutation-check run).
 */
class SimulationTest {

    @Test
    void every_seed_keeps_the_invariants_serves_every_client_and_stays_linearizable() {
        Set<InjectedBug> bugs = bugsFromProperty();
        Long one = Long.getLong("raftkv.sim.seed");
        if (one != null) {
            Simulation.Result result = new Simulation(one, bugs).run();
            System.out.println("replayed " + result);
            assertThat(result.failure()).as("seed %d", one).isNull();
            return;
        }
        long first = Long.getLong("raftkv.sim.firstSeed", 1);
        int count = Integer.getInteger("raftkv.sim.seeds", 2000);
        SeedRunner.Summary summary = SeedRunner.run(first, count, bugs, false, true);
        System.out.println("simulation: " + summary);

        assertThat(summary.failures())
                .as("failing seeds (replay each with the command printed above)%n%s", summary.failures().stream()
                        .limit(5).map(r -> "seed " + r.seed() + ": " + r.failure() + "\n  replay: "
                                + SeedRunner.replayCommand(r.seed(), bugs))
                        .collect(Collectors.joining("\n")))
                .isEmpty();
        assertThat(summary.threeNodeRuns()).as("3-node clusters").isPositive();
        assertThat(summary.fiveNodeRuns()).as("5-node clusters").isPositive();
    }

    private static Set<InjectedBug> bugsFromProperty() {
        String names = System.getProperty("raftkv.sim.bugs", "");
        if (names.isBlank()) {
            return Set.of();
        }
        return EnumSet.copyOf(Arrays.stream(names.split(",")).map(String::strip).map(InjectedBug::valueOf).toList());
    }
}
