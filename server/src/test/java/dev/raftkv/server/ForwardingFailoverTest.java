package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.proto.AddRequest;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.Entry;
import dev.raftkv.proto.EntryType;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session-less writes sent to followers while the leader is stopped again and again: the
 * follower forwarding a write cannot know whether a leader whose connection broke took it,
 * so it must never propose it a second time unless the state machine deduplicates the copy.
 * Checked on the committed log of every node: no write is executed twice, and every
 * acknowledged write is there.
 *
 * <p>Randomized by {@code -Draftkv.test.seed=N} (printed on failure): which follower each
 * writer targets and the order of operations.
 */
public abstract class ForwardingFailoverTest {

    private static final Duration ELECTION = Duration.ofSeconds(30);
    private static final int ROUNDS = 8;
    private static final int WRITERS = 12;
    private static final int WRITES_PER_ROUND = 40;

    @TempDir
    Path dir;
    private ProcessCluster cluster;
    private final long seed = Long.getLong("raftkv.test.seed", System.nanoTime());

    /** The log backend every node uses; it must keep the log across a restart. */
    protected abstract String backend();

    /** JVM options the nodes need for {@link #backend()}. */
    protected List<String> jvmOptions() {
        return List.of();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void when_the_leader_stops_during_forwarded_writes_without_a_session_then_none_is_executed_twice() {
        try {
            run();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("failed with -Draftkv.test.seed=" + seed + ": " + e.getMessage(), e);
        }
    }

    private void run() {
        cluster = new ProcessCluster(dir, 3, backend(), jvmOptions()).startAll();
        SplittableRandom random = new SplittableRandom(seed);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger unknown = new AtomicInteger();
        for (int round = 0; round < ROUNDS; round++) {
            String leader = awaitLeader();
            List<String> followers = new ArrayList<>(cluster.running());
            followers.remove(leader);
            AtomicInteger answered = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                String target = followers.get(random.nextInt(followers.size()));
                long writerSeed = random.nextLong();
                String prefix = "r" + round + "w" + w + "-";
                Thread writer = new Thread(() -> write(target, prefix, writerSeed, acknowledged, unknown, answered));
                writer.start();
                writers.add(writer);
            }
            // Stop the leader while writes are being forwarded to it.
            await().atMost(ELECTION).until(() -> answered.get() >= WRITERS * 2);
            cluster.kill(leader);
            for (Thread writer : writers) {
                join(writer);
            }
            cluster.start(leader);
        }
        awaitLeader();
        // Every node holds every entry: the newest commit index any of them persisted covers them all.
        await().atMost(ELECTION).until(() -> {
            List<Long> applied = new ArrayList<>();
            for (String id : cluster.ids()) {
                cluster.status(id).ifPresent(s -> applied.add(s.getHeader().getAppliedIndex()));
            }
            return applied.size() == cluster.ids().size() && applied.stream().distinct().count() == 1;
        });
        cluster.close();
        Map<String, List<Entry>> logs = new HashMap<>();
        long commit = 0;
        for (String id : cluster.ids()) {
            try (LogStore store = LogStoreProvider.named(backend()).open(cluster.dataDir(id).resolve("wal"))) {
                assertThat(store.firstIndex()).as("log of %s starts at 1 (no compaction in this test)", id)
                        .isEqualTo(1);
                commit = Math.max(commit, store.hardState().getCommit());
                logs.put(id, store.entries(1, store.lastIndex() + 1, Long.MAX_VALUE));
            }
        }
        List<Entry> reference = null;
        for (String id : cluster.ids()) {
            List<Entry> log = logs.get(id);
            assertThat(log.size()).as("entries of %s", id).isGreaterThanOrEqualTo((int) commit);
            List<Entry> committed = log.subList(0, (int) commit);
            if (reference == null) {
                reference = committed;
            } else {
                assertThat(committed).as("committed log of %s", id).isEqualTo(reference);
            }
        }
        checkExecutedOnce(reference, acknowledged);
        assertThat(acknowledged).as("writes acknowledged (%d with an unknown outcome)", unknown.get()).isNotEmpty();
    }

    /** One client: session-less puts and adds, each with a payload no other write has, one call each, never retried. */
    private void write(String target, String prefix, long writerSeed, Set<String> acknowledged, AtomicInteger unknown,
                       AtomicInteger answered) {
        SplittableRandom random = new SplittableRandom(writerSeed);
        for (int i = 0; i < WRITES_PER_ROUND; i++) {
            String payload = prefix + i;
            try {
                if (random.nextBoolean()) {
                    cluster.client(target, Duration.ofSeconds(10)).put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("key" + random.nextInt(16)))
                            .setValue(ByteString.copyFromUtf8(payload)).build());
                    acknowledged.add("put " + payload);
                } else {
                    long delta = payload.hashCode() & 0x7fffffffL;
                    cluster.client(target, Duration.ofSeconds(10)).add(AddRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("counter" + random.nextInt(4))).setDelta(delta).build());
                    acknowledged.add("add " + delta);
                }
            } catch (StatusRuntimeException e) {
                unknown.incrementAndGet();
            }
            answered.incrementAndGet();
        }
    }

    /**
     * Every put and add of the test carries a payload of its own, so two committed entries
     * with the same payload are one client write proposed twice. That is safe only when
     * both carry the same session and sequence (the state machine applies the second as a
     * duplicate); two session-less copies, or copies under different sessions, both execute.
     */
    private static void checkExecutedOnce(List<Entry> committed, Set<String> acknowledged) {
        Map<String, Set<String>> executions = new HashMap<>();
        int copies = 0;
        for (Entry entry : committed) {
            if (entry.getType() != EntryType.ENTRY_COMMAND) {
                continue;
            }
            Command command;
            try {
                command = Command.parseFrom(entry.getData());
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("entry " + entry.getIndex() + " does not parse", e);
            }
            String payload = switch (command.getOpCase()) {
                case PUT -> "put " + command.getPut().getValue().toStringUtf8();
                case ADD -> "add " + command.getAdd().getDelta();
                default -> null;
            };
            if (payload == null) {
                continue;
            }
            String execution = command.getSessionId() == 0 ? "session-less entry " + entry.getIndex()
                    : "session " + command.getSessionId() + " sequence " + command.getSequence();
            if (!executions.computeIfAbsent(payload, p -> new HashSet<>()).add(execution)) {
                copies++;
            }
        }
        System.out.printf("%d committed entries, %d acknowledged writes, %d copies applied as duplicates%n",
                committed.size(), acknowledged.size(), copies);
        Map<String, Set<String>> twice = new HashMap<>();
        executions.forEach((payload, ways) -> {
            if (ways.size() > 1) {
                twice.put(payload, ways);
            }
        });
        assertThat(twice).as("writes executed more than once").isEmpty();
        assertThat(executions.keySet()).as("acknowledged writes in the committed log")
                .containsAll(acknowledged);
    }

    private String awaitLeader() {
        return await().atMost(ELECTION).until(() -> cluster.leader().orElse(null), l -> l != null);
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(120).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        assertThat(thread.isAlive()).as("writer finished").isFalse();
    }
}
