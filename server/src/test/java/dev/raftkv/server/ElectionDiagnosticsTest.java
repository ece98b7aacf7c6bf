package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.raft.ElectionEvent;
import dev.raftkv.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reason reported for each election: one transition-log line with the driver's timing, and the counters. */
class ElectionDiagnosticsTest {

    private static final long MS = 1_000_000L;

    private final List<String> lines = new ArrayList<>();
    private final Logger transitions = Logger.getLogger("dev.raftkv.transitions");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final AtomicLong gcMillis = new AtomicLong(1_000);
    private final NodeMetrics metrics = new NodeMetrics();
    private final ElectionDiagnostics diagnostics = new ElectionDiagnostics(new TransitionLog("n2"), metrics,
            gcMillis::get);

    @BeforeEach
    void capture() {
        transitions.addHandler(capture);
    }

    @AfterEach
    void release() {
        transitions.removeHandler(capture);
    }

    private static Message heartbeat() {
        return Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setFrom("n1").setTo("n2").setTerm(3).build();
    }

    private static ElectionEvent timeout(boolean preVote, long term, Role before) {
        return new ElectionEvent(ElectionEvent.Cause.ELECTION_TIMEOUT, term, preVote, before, "n1", 14, 14, List.of(),
                null);
    }

    @Test
    void an_election_timeout_is_logged_with_the_silence_the_loop_saw_its_longest_round_and_sync_and_gc() {
        long t = 10_000 * MS;
        diagnostics.roundFinished(t, t);
        diagnostics.arrived(heartbeat(), t + 100 * MS);
        diagnostics.handled(heartbeat(), t + 100 * MS);
        diagnostics.synced(640 * MS);
        diagnostics.roundFinished(t + 110 * MS, t + 760 * MS);
        diagnostics.arrived(heartbeat(), t + 700 * MS);
        gcMillis.addAndGet(35);

        diagnostics.report(List.of(timeout(true, 3, Role.FOLLOWER)), t + 800 * MS);

        assertThat(lines).singleElement().isEqualTo("event=election node=n2 term=3 cause=election-timeout"
                + " stage=pre-vote last_leader=n1 timeout_ticks=14 role=FOLLOWER ticks_since_leader=14"
                + " ms_since_leader_handled=700 ms_since_leader_arrived=100 loop_max_round_ms=650.0"
                + " sync_max_ms=640.0 gc_ms=35");
        assertThat(metrics.electionTimeouts()).isEqualTo(1);
        assertThat(metrics.electionsOnTimeout()).as("a pre-vote raises no term").isZero();
    }

    @Test
    void the_vote_after_a_won_pre_vote_counts_as_an_election_and_not_as_another_timeout() {
        List<Long> silences = new ArrayList<>();
        metrics.onElectionEvent((event, millis) -> silences.add(millis));

        diagnostics.report(List.of(timeout(true, 3, Role.FOLLOWER), timeout(false, 4, Role.PRE_CANDIDATE)), 5 * MS);

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("event=election node=n2 term=4 cause=election-timeout stage=vote")
                .contains("ms_since_leader_handled=never");
        assertThat(metrics.electionTimeouts()).isEqualTo(1);
        assertThat(metrics.electionsOnTimeout()).isEqualTo(1);
        assertThat(silences).as("no leader message was ever handled").containsExactly(-1L, -1L);
    }

    @Test
    void a_leader_that_loses_its_quorum_logs_a_step_down_naming_the_silent_voters() {
        diagnostics.report(List.of(new ElectionEvent(ElectionEvent.Cause.CHECK_QUORUM, 3, false, Role.LEADER, null, 0,
                10, List.of("n1", "n3"), null)), 5 * MS);

        assertThat(lines).singleElement().asString()
                .startsWith("event=step-down node=n2 term=3 cause=check-quorum silent=[n1, n3] interval_ticks=10"
                        + " role=LEADER");
        assertThat(metrics.stepDownsCheckQuorum()).isEqualTo(1);
        assertThat(metrics.stepDownsHigherTerm()).isZero();
    }

    @Test
    void a_follower_drawn_into_another_election_logs_a_higher_term_line_and_counts_no_step_down() {
        diagnostics.report(List.of(new ElectionEvent(ElectionEvent.Cause.HIGHER_TERM, 5, false, Role.FOLLOWER, "n3",
                12, 0, List.of(), MessageType.MSG_VOTE)), 5 * MS);

        assertThat(lines).singleElement().asString()
                .startsWith("event=higher-term node=n2 term=5 cause=higher-term from=n3 type=MSG_VOTE role=FOLLOWER"
                        + " ticks_since_leader=12");
        assertThat(metrics.stepDownsHigherTerm()).isZero();
        assertThat(metrics.electionTimeouts()).isZero();
    }
}
