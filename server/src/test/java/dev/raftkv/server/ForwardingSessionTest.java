package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.Put;
import org.junit.jupiter.api.Test;

class ForwardingSessionTest {

    private static final ByteString PUT = Command.newBuilder().setTimestampMillis(1_700_000_000_000L)
            .setPut(Put.newBuilder().setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")))
            .build().toByteString();

    @Test
    void when_a_command_is_stamped_then_it_parses_as_the_same_command_with_the_session_fields() throws Exception {
        ByteString stamped = ForwardingSession.withSession(PUT, 42, 7, 6);

        assertThat(Command.parseFrom(stamped)).isEqualTo(Command.parseFrom(PUT).toBuilder().setSessionId(42)
                .setSequence(7).setAckedSequence(6).build());
    }

    @Test
    void when_no_session_is_open_then_stamping_is_refused_and_only_one_opening_starts() {
        ForwardingSession session = new ForwardingSession();

        assertThatThrownBy(() -> session.stamp(PUT)).isInstanceOf(IllegalStateException.class);
        assertThat(session.startOpening()).isTrue();
        assertThat(session.startOpening()).isFalse();
        session.openFailed();
        assertThat(session.startOpening()).isTrue();
    }

    @Test
    void when_writes_finish_out_of_order_then_the_acknowledged_floor_stays_below_the_oldest_unfinished() throws Exception {
        ForwardingSession session = new ForwardingSession();
        session.startOpening();
        session.opened(5);

        ForwardingSession.Stamped first = session.stamp(PUT);
        ForwardingSession.Stamped second = session.stamp(PUT);
        session.finished(second.stamp());
        ForwardingSession.Stamped third = session.stamp(PUT);
        session.finished(first.stamp());
        ForwardingSession.Stamped fourth = session.stamp(PUT);

        assertThat(first.stamp()).isEqualTo(new ForwardingSession.Stamp(5, 1));
        assertThat(Command.parseFrom(first.command()).getAckedSequence()).isZero();
        assertThat(Command.parseFrom(second.command()).getAckedSequence()).isZero();
        assertThat(Command.parseFrom(third.command()).getAckedSequence()).as("1 is still unfinished").isZero();
        assertThat(Command.parseFrom(fourth.command()).getAckedSequence()).as("3 is unfinished").isEqualTo(2);
    }

    @Test
    void when_the_session_expired_then_a_new_one_must_be_opened_and_old_stamps_do_not_count() throws Exception {
        ForwardingSession session = new ForwardingSession();
        session.startOpening();
        session.opened(5);
        ForwardingSession.Stamped old = session.stamp(PUT);

        session.expired(5);
        assertThat(session.isOpen()).isFalse();
        assertThat(session.startOpening()).isTrue();
        session.opened(9);
        session.finished(old.stamp());
        ForwardingSession.Stamped fresh = session.stamp(PUT);

        assertThat(fresh.stamp()).isEqualTo(new ForwardingSession.Stamp(9, 1));
        assertThat(Command.parseFrom(fresh.command()).getSessionId()).isEqualTo(9);
    }
}
