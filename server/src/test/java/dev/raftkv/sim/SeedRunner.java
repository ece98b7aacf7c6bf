package dev.raftkv.sim;

import dev.raftkv.raft.InjectedBug;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Runs many simulations, one seed each, on every core: seeds are independent, and
 * each run is single-threaded and deterministic, so running them side by side
 * changes nothing in any of them. Work goes out in batches so that a search for
 * the first failing seed stops soon after finding it, and always reports the lowest.
 */
final class SeedRunner {

    private static final int BATCH = 256;

    /** What a range of seeds did. {@code failures} and {@code results} are ordered by seed. */
    record Summary(int seedsRun, int threeNodeRuns, int fiveNodeRuns, long steps, long operations,
                   long wallMillis, List<Simulation.Result> failures, List<Simulation.Result> results) {

        double seedsPerSecond() {
            return seedsRun * 1000.0 / Math.max(1, wallMillis);
        }

        @Override
        public String toString() {
            return String.format("%d seeds (%d with 3 nodes, %d with 5) in %.1f s: %.0f seeds/s, %d simulation steps,"
                    + " %d client operations checked, %d failed", seedsRun, threeNodeRuns, fiveNodeRuns,
                    wallMillis / 1000.0, seedsPerSecond(), steps, operations, failures.size());
        }
    }

    private SeedRunner() {
    }

    /** The command that replays one seed exactly. */
    static String replayCommand(long seed, Set<InjectedBug> bugs) {
        return "mvn -B -q verify -pl server -am -Dtest=SimulationTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Draftkv.sim.seed=" + seed
                + (bugs.isEmpty() ? "" : " -Draftkv.sim.bugs="
                        + bugs.stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
    }

    /**
     * Runs seeds {@code first .. first + count - 1}.
     *
     * @param stopAtFirstFailure stop after the batch in which a seed fails
     * @param progress print a progress line about every ten seconds
     */
    static Summary run(long first, int count, Set<InjectedBug> bugs, boolean stopAtFirstFailure, boolean progress) {
        return run(first, count, bugs, Set.of(), stopAtFirstFailure, progress);
    }

    /** As {@link #run(long, int, Set, boolean, boolean)}, with bugs of the driver switched on too. */
    static Summary run(long first, int count, Set<InjectedBug> bugs, Set<DriverBug> driverBugs,
                       boolean stopAtFirstFailure, boolean progress) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        long lastProgress = start;
        int run = 0;
        int three = 0;
        long steps = 0;
        long operations = 0;
        List<Simulation.Result> failures = new ArrayList<>();
        List<Simulation.Result> results = new ArrayList<>();
        try {
            for (long batchStart = first; batchStart < first + count; batchStart += BATCH) {
                List<Future<Simulation.Result>> batch = new ArrayList<>();
                long batchEnd = Math.min(first + count, batchStart + BATCH);
                for (long seed = batchStart; seed < batchEnd; seed++) {
                    long s = seed;
                    batch.add(pool.submit(() -> new Simulation(s, bugs, driverBugs).run()));
                }
                for (Future<Simulation.Result> future : batch) {
                    Simulation.Result result = future.get();
                    results.add(result);
                    run++;
                    three += result.nodes() == 3 ? 1 : 0;
                    steps += result.steps();
                    operations += result.operations();
                    if (!result.passed()) {
                        failures.add(result);
                        if (!stopAtFirstFailure) {
                            System.out.println("seed " + result.seed() + " FAILED: " + result.failure()
                                    + "\n  replay: " + replayCommand(result.seed(), bugs));
                        }
                    }
                }
                long now = System.nanoTime();
                if (progress && now - lastProgress > 10_000_000_000L) {
                    lastProgress = now;
                    System.out.printf("progress: %d/%d seeds, %d failed, %.0f seeds/s%n", run, count, failures.size(),
                            run * 1e9 / (now - start));
                }
                if (stopAtFirstFailure && !failures.isEmpty()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a simulation crashed outside its own checks", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        failures.sort(Comparator.comparingLong(Simulation.Result::seed));
        return new Summary(run, three, run - three, steps, operations, (System.nanoTime() - start) / 1_000_000,
                List.copyOf(failures), List.copyOf(results));
    }
}
