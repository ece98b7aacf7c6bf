package dev.raftkv.kv;

import static dev.raftkv.kv.Commands.add;
import static dev.raftkv.kv.Commands.at;
import static dev.raftkv.kv.Commands.bytes;
import static dev.raftkv.kv.Commands.inSession;
import static dev.raftkv.kv.Commands.openSession;
import static dev.raftkv.kv.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CommandResult.Code;
import dev.raftkv.proto.ConfState;
import dev.raftkv.proto.Member;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SnapshotTest {

    private static final SessionLimits LIMITS = new SessionLimits(Duration.ofSeconds(10), 3);

    private static byte[] snapshot(KvStateMachine machine) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        machine.writeSnapshot(out);
        return out.toByteArray();
    }

    private static KvStateMachine restore(byte[] snapshot) throws IOException {
        return KvStateMachine.readSnapshot(new ByteArrayInputStream(snapshot), LIMITS);
    }

    /** A state with binary keys, a number, sessions in a non-trivial LRU order with retained results. */
    private static KvStateMachine populated() {
        KvStateMachine machine = new KvStateMachine(LIMITS);
        Command[] log = {
            at(1_000, put("a", "1")),
            at(1_001, openSession()), // session 11
            at(1_002, openSession()), // session 12
            at(1_003, inSession(add("n", 5), 11, 1, 0)),
            at(1_004, inSession(add("n", 7), 11, 2, 0)),
            at(1_005, inSession(add("n", 1), 11, 3, 1)), // session 11 keeps 2 and 3
            at(1_006, inSession(put("n", "x"), 12, 1, 0)),
            at(1_007, inSession(add("n", 1), 12, 2, 0)), // NOT_A_NUMBER, kept
            at(1_008, inSession(put("z", "last"), 11, 4, 0)), // session 12 is least recently used
            Command.newBuilder().setPut(dev.raftkv.proto.Put.newBuilder()
                    .setKey(ByteString.copyFrom(new byte[] {(byte) 0xff, 0, 1}))
                    .setValue(ByteString.copyFrom(new byte[] {0, (byte) 0x80}))).build(),
            put("", "empty key"),
            put("empty value", ""),
        };
        long index = 10;
        for (Command command : log) {
            machine.apply(index++, command);
        }
        machine.applyConfig(29, CONF);
        machine.skip(30);
        return machine;
    }

    private static final ConfState CONF = ConfState.newBuilder().addVoters("n1").addVoters("n2").addLearners("n3")
            .addMembers(Member.newBuilder().setId("n3").setPeerAddress("h3:7000").setClientAddress("h3:8000"))
            .build();

    @Test
    void when_restored_then_state_and_behaviour_are_equal() throws IOException {
        KvStateMachine original = populated();
        byte[] bytes = snapshot(original);

        KvStateMachine restored = restore(bytes);

        assertThat(snapshot(restored)).isEqualTo(bytes);
        assertThat(restored.appliedIndex()).isEqualTo(30);
        assertThat(restored.clockMillis()).isEqualTo(1_008);
        assertThat(restored.scan(ByteString.EMPTY, Keys.UNBOUNDED, 100))
                .isEqualTo(original.scan(ByteString.EMPTY, Keys.UNBOUNDED, 100))
                .hasSize(6);
        assertThat(restored.sessionCount()).isEqualTo(2);
        assertThat(restored.confState()).isEqualTo(CONF);
        // The same log suffix gives the same results: retained results, floors and LRU order survived.
        Command[] suffix = {
            at(1_010, inSession(add("n", 7), 11, 2, 1)), // retry of a retained result
            at(1_011, inSession(add("n", 5), 11, 1, 1)), // stale
            at(1_012, inSession(add("n", 1), 12, 2, 0)), // retained NOT_A_NUMBER
            at(1_013, openSession()),
            at(1_014, openSession()), // the cap expires the least recently used: session 11
            at(1_015, inSession(put("k", "v"), 11, 5, 0)),
        };
        CommandResult last = null;
        for (int i = 0; i < suffix.length; i++) {
            last = restored.apply(31 + i, suffix[i]);
            assertThat(last).isEqualTo(original.apply(31 + i, suffix[i]));
        }
        assertThat(last.getCode()).isEqualTo(Code.SESSION_EXPIRED);
        assertThat(snapshot(restored)).isEqualTo(snapshot(original));
    }

    @Test
    void a_restored_retry_returns_the_recorded_result() throws IOException {
        KvStateMachine restored = restore(snapshot(populated()));

        CommandResult retry = restored.apply(31, at(1_010, inSession(add("n", 7), 11, 2, 1)));

        assertThat(retry.getNumber()).isEqualTo(12);
        assertThat(restored.apply(32, at(1_010, inSession(add("n", 1), 12, 2, 0))).getCode())
                .isEqualTo(Code.NOT_A_NUMBER);
    }

    @Test
    void an_empty_state_machine_round_trips() throws IOException {
        KvStateMachine restored = restore(snapshot(new KvStateMachine(LIMITS)));

        assertThat(restored.appliedIndex()).isZero();
        assertThat(restored.size()).isZero();
        assertThat(restored.sessionCount()).isZero();
    }

    @Test
    void bytes_after_the_snapshot_are_not_an_error() throws IOException {
        byte[] bytes = snapshot(populated());
        byte[] followed = Arrays.copyOf(bytes, bytes.length + 3);

        assertThat(restore(followed).appliedIndex()).isEqualTo(30);
    }

    @Test
    void when_any_byte_is_flipped_then_reading_fails() throws IOException {
        byte[] bytes = snapshot(populated());
        for (int position = 0; position < bytes.length; position++) {
            for (int mask : new int[] {0x01, 0x80}) {
                byte[] damaged = bytes.clone();
                damaged[position] ^= (byte) mask;
                int at = position;
                assertThatThrownBy(() -> restore(damaged))
                        .as("byte %d flipped with mask 0x%02x", at, mask)
                        .isInstanceOf(SnapshotFormatException.class);
            }
        }
    }

    @Test
    void when_a_value_byte_is_flipped_then_the_checksum_names_both_values() throws IOException {
        byte[] bytes = snapshot(populated());
        int position = indexOf(bytes, "empty key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        bytes[position] ^= 1;

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageMatching("snapshot checksum mismatch: the trailer holds CRC32C 0x[0-9a-f]{8} but the \\d+ "
                        + "bytes before it give 0x[0-9a-f]{8}");
    }

    @Test
    void when_truncated_anywhere_then_reading_fails_saying_so() throws IOException {
        byte[] bytes = snapshot(populated());
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> restore(truncated))
                    .as("truncated to %d of %d bytes", length, bytes.length)
                    .isInstanceOf(SnapshotFormatException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void when_magic_is_wrong_then_reading_fails_saying_so() throws IOException {
        byte[] bytes = snapshot(populated());
        bytes[0] = 'X';

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("bad magic 584b56534e41500a")
                .hasMessageContaining("expected 524b56534e41500a");
    }

    @Test
    void when_version_is_unknown_then_reading_fails_saying_so() throws IOException {
        byte[] bytes = snapshot(populated());
        ByteBuffer.wrap(bytes).putInt(SnapshotFormat.MAGIC.length, 4);

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage("unsupported snapshot version 4 (this reader supports 1 to 3)");
    }

    @Test
    void when_a_section_is_unknown_then_reading_fails_even_with_a_valid_checksum() throws IOException {
        byte[] bytes = withChecksum(out -> {
            out.writeInt(9);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.END);
        });

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessage("malformed snapshot at byte 12: unknown section tag 9");
    }

    @Test
    void when_a_section_is_missing_then_reading_fails_even_with_a_valid_checksum() throws IOException {
        byte[] bytes = withChecksum(2, out -> {
            out.writeInt(SnapshotFormat.SECTION_STATE);
            out.writeLong(1);
            out.writeInt(16);
            out.writeLong(5);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.END);
        });

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("section PAIRS is missing");
    }

    @Test
    void when_keys_are_out_of_order_then_reading_fails_even_with_a_valid_checksum() throws IOException {
        byte[] bytes = withChecksum(2, out -> {
            out.writeInt(SnapshotFormat.SECTION_PAIRS);
            out.writeLong(2);
            for (String key : new String[] {"b", "a"}) {
                out.writeInt(5);
                out.writeInt(1);
                out.writeBytes(key);
            }
            out.writeInt(SnapshotFormat.END);
        });

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("malformed PAIRS record")
                .hasMessageContaining("key \"a\" does not follow \"b\"");
    }

    @Test
    void a_version_1_snapshot_reads_as_a_state_machine_without_members() throws IOException {
        byte[] bytes = withChecksum(1, out -> {
            out.writeInt(SnapshotFormat.SECTION_STATE);
            out.writeLong(1);
            out.writeInt(16);
            out.writeLong(5);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.SECTION_PAIRS);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.SECTION_SESSIONS);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.END);
        });

        KvStateMachine restored = restore(bytes);

        assertThat(restored.appliedIndex()).isEqualTo(5);
        assertThat(restored.confState()).isEqualTo(ConfState.getDefaultInstance());
    }

    @Test
    void when_the_config_section_is_missing_from_version_2_then_reading_fails() throws IOException {
        byte[] bytes = withChecksum(2, out -> {
            out.writeInt(SnapshotFormat.SECTION_STATE);
            out.writeLong(1);
            out.writeInt(16);
            out.writeLong(5);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.SECTION_PAIRS);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.SECTION_SESSIONS);
            out.writeLong(0);
            out.writeInt(SnapshotFormat.END);
        });

        assertThatThrownBy(() -> restore(bytes))
                .isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("section CONFIG is missing");
    }

    @Test
    void a_view_taken_before_more_writes_writes_the_state_as_it_was_when_taken() throws IOException {
        KvStateMachine machine = populated();
        byte[] before = snapshot(machine);
        KvStateMachine.SnapshotView view = machine.snapshotView();

        machine.apply(31, at(1_020, inSession(put("a", "changed"), 11, 5, 4)));
        machine.apply(32, at(1_021, openSession()));
        machine.applyConfig(33, ConfState.getDefaultInstance());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        view.writeTo(out);

        assertThat(out.toByteArray()).isEqualTo(before);
        assertThat(view.appliedIndex()).isEqualTo(30);
        assertThat(view.confState()).isEqualTo(CONF);
        assertThat(snapshot(machine)).isNotEqualTo(before);
    }

    @Test
    void writing_does_not_close_the_stream() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };

        populated().writeSnapshot(out);

        assertThat(closed[0]).isFalse();
        assertThat(out.size()).isPositive();
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** Magic, version, {@code body}, and a correct CRC32C trailer. */
    private static byte[] withChecksum(Body body) throws IOException {
        return withChecksum(SnapshotFormat.VERSION, body);
    }

    private static byte[] withChecksum(int version, Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(SnapshotFormat.MAGIC);
        out.writeInt(version);
        body.write(out);
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        return bytes.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
