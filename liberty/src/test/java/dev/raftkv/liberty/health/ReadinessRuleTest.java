package dev.raftkv.liberty.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Role;
import dev.raftkv.server.NodeStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessRuleTest {

    private static NodeStatus status(String leaderId, long commit, long applied, boolean removed, boolean joining,
                                     long joinIndex) {
        return new NodeStatus("n4", Role.FOLLOWER, 3, leaderId, commit, applied, 1, commit, 0, List.of(), removed,
                joining, joinIndex);
    }

    @Test
    void when_a_member_knows_a_leader_and_has_applied_what_it_knows_committed_then_it_is_ready() {
        assertThat(ReadinessRule.notReadyBecause(status("n1", 10, 10, false, false, 0), 0)).isNull();
    }

    @Test
    void when_a_joined_node_has_applied_all_it_knows_but_not_up_to_its_join_index_then_it_is_not_ready() {
        assertThat(ReadinessRule.notReadyBecause(status("n1", 0, 0, false, true, 10_776), 1000))
                .contains("catching up after joining").contains("applied index 0 of the 10776");
        assertThat(ReadinessRule.notReadyBecause(status(null, 0, 0, false, true, 0), 1000))
                .contains("has not been added yet");
    }

    @Test
    void when_the_node_was_removed_then_it_is_not_ready_whatever_else_it_knows() {
        assertThat(ReadinessRule.notReadyBecause(status("n1", 10, 10, true, false, 0), 1000))
                .contains("removed from the cluster");
    }

    @Test
    void when_no_leader_is_known_or_the_apply_lag_is_too_large_then_it_is_not_ready() {
        assertThat(ReadinessRule.notReadyBecause(status(null, 10, 10, false, false, 0), 1000))
                .isEqualTo("no leader is known");
        assertThat(ReadinessRule.notReadyBecause(status("n1", 2000, 10, false, false, 0), 1000))
                .contains("trails the commit index by 1990 entries");
    }
}
