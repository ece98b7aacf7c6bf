package dev.raftkv.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** A seed is a complete description of a run: replaying it gives the same events, in the same order. */
class DeterminismTest {

    @Test
    void the_same_seed_always_yields_the_same_event_trace() {
        for (long seed : new long[] {3, 77, 1024}) {
            Simulation.Result first = new Simulation(seed, Set.of()).run();
            Simulation.Result second = new Simulation(seed, Set.of()).run();
            assertThat(second).as("seed %d replayed", seed).isEqualTo(first);
            assertThat(first.steps()).isGreaterThan(100);
        }
    }

    @Test
    void different_seeds_yield_different_traces() {
        assertThat(Simulation.run(5).traceHash()).isNotEqualTo(Simulation.run(6).traceHash());
    }

    @Test
    void runs_on_several_threads_at_once_match_runs_alone() {
        SeedRunner.Summary together = SeedRunner.run(1, 16, Set.of(), false, false);
        assertThat(together.results()).hasSize(16);
        for (Simulation.Result result : together.results()) {
            assertThat(Simulation.run(result.seed())).isEqualTo(result);
        }
    }
}
