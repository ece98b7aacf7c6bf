package dev.raftkv.sim;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** What simulated clients and nodes say to each other. */
final class ClientMessages {

    private ClientMessages() {
    }

    /**
     * One attempt of a client operation: a write ({@code command}) or a linearizable
     * read of {@code readKey}. A follower passes a write on to the leader it knows.
     */
    record Request(String clientId, long attemptId, Command command, ByteString readKey) {

        boolean isRead() {
            return command == null;
        }

        byte[] traceBytes() {
            byte[] body = isRead() ? readKey.toByteArray() : command.toByteArray();
            return ByteBuffer.allocate(body.length + 12).putLong(attemptId).putInt(clientId.hashCode()).put(body)
                    .array();
        }
    }

    enum Status {
        OK,
        /** This node is not the leader; {@code leaderHint} names the one it knows, if any. */
        NOT_LEADER,
        /** The attempt failed in a way that may or may not have taken effect; retry it. */
        RETRY
    }

    /** The answer to one attempt: for a write its result, for a read the value (null when absent). */
    record Response(long attemptId, Status status, CommandResult result, ByteString value, String leaderHint) {

        static Response notLeader(long attemptId, String leaderHint) {
            return new Response(attemptId, Status.NOT_LEADER, null, null, leaderHint);
        }

        static Response retry(long attemptId) {
            return new Response(attemptId, Status.RETRY, null, null, null);
        }

        byte[] traceBytes() {
            String text = attemptId + "|" + status + "|" + (result == null ? "" : result.toString())
                    + "|" + (value == null ? "-" : value.toStringUtf8()) + "|" + leaderHint;
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }
}
