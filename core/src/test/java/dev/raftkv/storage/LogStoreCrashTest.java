package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.raftkv.proto.Entry;
import dev.raftkv.proto.HardState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments, then a reopen must hold every entry the killed process
 * reported synced, byte for byte, and nothing corrupt. A child JVM ({@link CrashChild})
 * runs the backend on the test classpath; this test kills it with SIGKILL
 * ({@link Process#destroyForcibly()}) after a random number of syncs, verifies the
 * directory, and starts the next child on the same directory.
 *
 * <p>Seeded: {@code -Draftkv.crash.seed=N} (printed on failure) replays the same kill
 * points as far as scheduling allows; {@code -Draftkv.crash.rounds=N} sets the number
 * of kills (20 by default).
 */
public abstract class LogStoreCrashTest {

    private static final long ROUND_TIMEOUT_SECONDS = 60;

    @TempDir
    protected Path directory;

    /** The backend name the child opens with {@link LogStoreProvider#named}. */
    protected abstract String backend();

    /** Extra JVM options the child needs. */
    protected List<String> childJvmOptions() {
        return List.of();
    }

    /** Class name of a {@link SyncProbe} the child checks after every sync, or null for none. */
    protected String syncProbe() {
        return null;
    }

    /** Opens the store for verification in this JVM. */
    protected LogStore open(Path directory) {
        return LogStoreProvider.named(backend()).open(directory);
    }

    @Test
    void every_entry_reported_synced_survives_kill_9() throws Exception {
        long seed = Long.getLong("raftkv.crash.seed", 1);
        int rounds = Integer.getInteger("raftkv.crash.rounds", 20);
        Random random = new Random(seed);
        Path data = directory.resolve("wal");
        int probedSyncs = 0;
        for (int round = 1; round <= rounds; round++) {
            int syncsBeforeKill = 1 + random.nextInt(40);
            String context = "crash round " + round + "/" + rounds + " (seed " + seed + ", -Draftkv.crash.seed="
                    + seed + " to replay), kill after " + syncsBeforeKill + " syncs";
            try {
                Synced synced = runAndKill(data, random.nextLong(), syncsBeforeKill, round, context);
                probedSyncs += synced.probedSyncs;
                verify(data, synced, context);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(context + ": " + e.getMessage(), e);
            }
        }
        if (syncProbe() != null) {
            System.out.println(backend() + " crash test: " + probedSyncs + " syncs left no unwritten page");
        }
    }

    /** What the child last reported, before it was killed. */
    private record Synced(long lastIndex, long term, long hardStateTerm, long firstIndex, int probedSyncs) {
    }

    private Synced runAndKill(Path data, long childSeed, int syncsBeforeKill, int round, String context)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(childJvmOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                backend(), data.toString(), Long.toString(childSeed), "100000", "30"));
        if (syncProbe() != null) {
            command.add(syncProbe());
        }
        Path stderr = directory.resolve("child-" + round + ".err");
        Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null;) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // The pipe closes when the child dies.
            } finally {
                lines.add("eof");
            }
        }, "crash-child-stdout");
        pump.setDaemon(true);
        pump.start();
        Synced last = null;
        int syncs = 0;
        int probed = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ROUND_TIMEOUT_SECONDS);
        try {
            while (syncs < syncsBeforeKill) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("the child reported no sync within " + ROUND_TIMEOUT_SECONDS + " s" + childErrors(stderr));
                }
                if (line.equals("done")) {
                    break;
                }
                if (line.equals("eof")) {
                    fail("the child exited early" + childErrors(stderr));
                }
                String[] fields = line.split(" ");
                long unwritten = Long.parseLong(fields[5]);
                if (syncProbe() != null && unwritten != -1) {
                    assertThat(unwritten).as("pages of the store's files still unwritten right after sync " + syncs
                            + " (" + line + ")").isZero();
                    probed++;
                }
                last = new Synced(Long.parseLong(fields[1]), Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                        Long.parseLong(fields[4]), 0);
                syncs++;
            }
        } finally {
            child.destroyForcibly();
            if (!child.waitFor(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("the child did not die after SIGKILL");
            }
        }
        assertThat(last).as("the child synced at least once").isNotNull();
        return new Synced(last.lastIndex, last.term, last.hardStateTerm, last.firstIndex, probed);
    }

    private static String childErrors(Path stderr) {
        try {
            List<String> text = Files.readAllLines(stderr);
            return "; child stderr:\n" + String.join("\n", text.subList(Math.max(0, text.size() - 40), text.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void verify(Path data, Synced synced, String context) {
        try (LogStore store = open(data)) {
            assertThat(store.lastIndex()).as("last index after reopen, reported synced " + synced.lastIndex)
                    .isGreaterThanOrEqualTo(synced.lastIndex);
            // The child runs on after its last report read here, and may have compacted past it since.
            if (store.firstIndex() - 1 <= synced.lastIndex) {
                assertThat(store.term(synced.lastIndex)).as("term of the last synced entry " + synced.lastIndex)
                        .isEqualTo(synced.term);
            }
            HardState hardState = store.hardState();
            assertThat(hardState.getTerm()).as("hard state term").isGreaterThanOrEqualTo(synced.hardStateTerm);
            assertThat(hardState.getVotedFor()).as("vote stored with its term").isEqualTo("n" + hardState.getTerm());
            long previousTerm = store.term(store.firstIndex() - 1);
            for (long index = store.firstIndex(); index <= store.lastIndex();) {
                List<Entry> chunk = store.entries(index, store.lastIndex() + 1, 8 << 20);
                for (Entry entry : chunk) {
                    assertThat(entry.getIndex()).isEqualTo(index);
                    assertThat(entry.getTerm()).as("terms never decrease, at index %d", index)
                            .isGreaterThanOrEqualTo(previousTerm);
                    assertThat(entry.getData()).as("data of entry %d", index)
                            .isEqualTo(CrashChild.data(index, entry.getTerm(), entry.getData().size()));
                    previousTerm = entry.getTerm();
                    index++;
                }
            }
        }
    }
}
