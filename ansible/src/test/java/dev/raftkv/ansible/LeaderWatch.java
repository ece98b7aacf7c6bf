package dev.raftkv.ansible;

import com.google.common.util.concurrent.ListenableFuture;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Samples every node's Status every 20 ms and measures how long the cluster was without a
 * leader: a gap runs from the last sample in which some node reported itself leader to the
 * next such sample (so it is at most one sampling interval longer than the true gap).
 */
final class LeaderWatch implements AutoCloseable {

    private static final Duration INTERVAL = Duration.ofMillis(20);
    private static final Duration CALL_DEADLINE = Duration.ofMillis(300);

    /** What the watch saw. */
    record Summary(Duration longestGap, Duration leaderless, int gaps, long samples, List<String> leaders) {
    }

    private final List<NodeChannel> nodes = new ArrayList<>();
    private final Thread thread;
    private final Duration maxDuration;
    private volatile boolean stopped;
    private long samples;
    private long lastLeaderNanos;
    private long longestGapNanos;
    private long leaderlessNanos;
    private int gaps;
    private boolean inGap;
    private final List<String> leaders = new ArrayList<>();

    LeaderWatch(List<String> clientAddresses, Duration maxDuration) {
        clientAddresses.forEach(address -> nodes.add(new NodeChannel(address)));
        this.maxDuration = maxDuration;
        this.thread = new Thread(this::run, "leader-watch");
        this.thread.setDaemon(true);
    }

    LeaderWatch start() {
        lastLeaderNanos = System.nanoTime();
        thread.start();
        return this;
    }

    private void run() {
        long end = System.nanoTime() + maxDuration.toNanos();
        while (!stopped && System.nanoTime() - end < 0) {
            long sampleStart = System.nanoTime();
            String leader = sampleLeader();
            long now = System.nanoTime();
            synchronized (this) {
                samples++;
                if (leader != null) {
                    if (inGap) {
                        long gap = now - lastLeaderNanos;
                        longestGapNanos = Math.max(longestGapNanos, gap);
                        leaderlessNanos += gap;
                        gaps++;
                        inGap = false;
                    }
                    lastLeaderNanos = now;
                    if (leaders.isEmpty() || !leaders.get(leaders.size() - 1).equals(leader)) {
                        leaders.add(leader);
                    }
                } else {
                    inGap = true;
                }
            }
            long spent = System.nanoTime() - sampleStart;
            long pause = INTERVAL.toNanos() - spent;
            if (pause > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(pause); // the sampling period, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The id of a node that reports itself leader, or null. */
    private String sampleLeader() {
        List<ListenableFuture<StatusResponse>> answers = new ArrayList<>();
        for (NodeChannel node : nodes) {
            answers.add(node.futureStub().withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .status(StatusRequest.getDefaultInstance()));
        }
        String leader = null;
        for (ListenableFuture<StatusResponse> answer : answers) {
            try {
                StatusResponse status = answer.get(CALL_DEADLINE.toMillis() + 200, TimeUnit.MILLISECONDS);
                if ("LEADER".equals(status.getRole())) {
                    leader = status.getHeader().getNodeId();
                }
            } catch (Exception e) {
                answer.cancel(true); // a node down or restarting is a sample without its answer
            }
        }
        return leader;
    }

    synchronized Summary summary() {
        long longest = longestGapNanos;
        long total = leaderlessNanos;
        if (inGap) {
            long open = System.nanoTime() - lastLeaderNanos;
            longest = Math.max(longest, open);
            total += open;
        }
        return new Summary(Duration.ofNanos(longest), Duration.ofNanos(total), gaps + (inGap ? 1 : 0), samples,
                List.copyOf(leaders));
    }

    Summary stop() throws InterruptedException {
        stopped = true;
        thread.join(5_000);
        return summary();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        nodes.forEach(NodeChannel::close);
    }
}
