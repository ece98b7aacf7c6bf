package dev.raftkv.sim;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Add;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CompareAndSet;
import dev.raftkv.proto.Delete;
import dev.raftkv.proto.OpenSession;
import dev.raftkv.proto.Put;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated client: opens a session, then runs a fixed number of random operations
 * one after another. Each operation is retried (same session sequence number, so it
 * applies once) on timeouts and refusals, with backoff and jitter, until it succeeds.
 * Every operation goes into the history, from its first attempt to its answer.
 */
final class SimClient {

    final String id;
    private final Cluster cluster;
    private final SplittableRandom random;
    private final List<ByteString> keys;
    private int operationsLeft;
    private final List<HistoryOp> history = new ArrayList<>();
    private final Map<ByteString, ByteString> lastSeen = new HashMap<>();

    private long sessionId;
    private long sequence;
    private String leaderHint;
    private long attemptId;
    private HistoryOp current;
    private ClientMessages.Request currentRequest;
    private int attempts;
    private int retries;
    private long valueCounter;
    private final java.util.ArrayDeque<Scripted> script = new java.util.ArrayDeque<>();
    private String preferredNode;
    /**
     * False for a client that writes without a session: each write is sent once, and a
     * failure that may have come after it took effect ends it with an unknown outcome.
     * Its puts and compare-and-sets carry values no other write has ({@link #UNIQUE}).
     */
    private final boolean withSession;

    /** The prefix of the values session-less clients write: each such value is written by one operation only. */
    static final String UNIQUE = "u";

    /** An operation a scenario asks for: {@code value} for PUT, {@code delta} for ADD. */
    record Scripted(HistoryOp.Kind kind, ByteString key, ByteString value, long delta) {
    }

    SimClient(String id, Cluster cluster, SplittableRandom random, List<ByteString> keys, int operations,
              boolean withSession) {
        this.id = id;
        this.withSession = withSession;
        this.cluster = cluster;
        this.random = random;
        this.keys = keys;
        this.operationsLeft = operations;
    }

    List<HistoryOp> history() {
        return history;
    }

    /** Whether an operation is still waiting for its answer. */
    boolean busy() {
        return current != null;
    }

    boolean done() {
        return operationsLeft == 0 && script.isEmpty() && current == null && (sessionId != 0 || !withSession);
    }

    String describeCurrent() {
        return current == null ? "idle" : current + " after " + attempts + " attempts";
    }

    /** Queues operations to run, in order, after any already queued. */
    void perform(List<Scripted> operations) {
        script.addAll(operations);
        if ((sessionId != 0 || !withSession) && current == null) {
            next();
        }
    }

    /** Sends every first attempt to {@code nodeId} (a scenario that wants forwarding picks a follower). */
    void preferNode(String nodeId) {
        this.preferredNode = nodeId;
    }

    void start() {
        if (!withSession) {
            next();
            return;
        }
        Command open = Command.newBuilder().setOpenSession(OpenSession.getDefaultInstance())
                .setTimestampMillis(cluster.queue().nowMillis()).build();
        begin(new HistoryOp(id, HistoryOp.Kind.OPEN_SESSION, ByteString.EMPTY, null, 0, cluster.queue().nowMillis()),
                new ClientMessages.Request(id, 0, open, null));
    }

    /** Issues one more read of {@code key}, after the workload, for the final check. */
    void readFinal(ByteString key) {
        begin(new HistoryOp(id, HistoryOp.Kind.GET, key, null, 0, cluster.queue().nowMillis()),
                new ClientMessages.Request(id, 0, null, key));
    }

    private void next() {
        int choice;
        ByteString key;
        Scripted scripted = script.poll();
        if (scripted != null) {
            key = scripted.key();
            choice = switch (scripted.kind()) {
                case GET -> 0;
                case PUT -> 40;
                case DELETE -> 65;
                case ADD -> 75;
                default -> throw new IllegalArgumentException("cannot script " + scripted.kind());
            };
        } else if (operationsLeft > 0) {
            operationsLeft--;
            key = keys.get(random.nextInt(keys.size()));
            choice = random.nextInt(100);
        } else {
            return;
        }
        long now = cluster.queue().nowMillis();
        if (choice < 35) {
            begin(new HistoryOp(id, HistoryOp.Kind.GET, key, null, 0, now), new ClientMessages.Request(id, 0, null, key));
            return;
        }
        if (!withSession) {
            nextWithoutSession(key, choice < 70, now);
            return;
        }
        Command.Builder command = Command.newBuilder().setSessionId(sessionId).setSequence(++sequence)
                .setAckedSequence(sequence - 1).setTimestampMillis(now);
        HistoryOp op;
        if (choice < 60) {
            ByteString value = scripted != null ? scripted.value() : freshValue();
            command.setPut(Put.newBuilder().setKey(key).setValue(value));
            op = new HistoryOp(id, HistoryOp.Kind.PUT, key, value, 0, now);
        } else if (choice < 70) {
            command.setDelete(Delete.newBuilder().setKey(key));
            op = new HistoryOp(id, HistoryOp.Kind.DELETE, key, null, 0, now);
        } else if (choice < 85) {
            long delta = scripted != null ? scripted.delta() : random.nextInt(21) - 10;
            command.setAdd(Add.newBuilder().setKey(key).setDelta(delta));
            op = new HistoryOp(id, HistoryOp.Kind.ADD, key, null, delta, now);
        } else {
            op = compareAndSet(command, key, freshValue(), now);
        }
        op.command = command.build();
        begin(op, new ClientMessages.Request(id, 0, op.command, null));
    }

    /** A put or compare-and-set without a session, of a value no other write has. */
    private void nextWithoutSession(ByteString key, boolean put, long now) {
        ByteString value = ByteString.copyFromUtf8(UNIQUE + id + "-" + (++valueCounter));
        Command.Builder command = Command.newBuilder().setTimestampMillis(now);
        HistoryOp op;
        if (put) {
            command.setPut(Put.newBuilder().setKey(key).setValue(value));
            op = new HistoryOp(id, HistoryOp.Kind.PUT, key, value, 0, now);
        } else {
            op = compareAndSet(command, key, value, now);
        }
        op.command = command.build();
        begin(op, new ClientMessages.Request(id, 0, op.command, null));
    }

    /** Sets {@code value} on {@code key} if it still holds what this client last saw (or is still absent). */
    private HistoryOp compareAndSet(Command.Builder command, ByteString key, ByteString value, long now) {
        ByteString expected = lastSeen.get(key);
        CompareAndSet.Builder cas = CompareAndSet.newBuilder().setKey(key).setNewValue(value);
        if (expected == null) {
            cas.setExpectAbsent(true);
        } else {
            cas.setExpectedValue(expected);
        }
        command.setCompareAndSet(cas);
        HistoryOp op = new HistoryOp(id, HistoryOp.Kind.CAS, key, value, 0, now);
        op.expected = expected;
        return op;
    }

    /** A session-less write whose attempt may have taken effect: it is not sent again; its outcome stays unknown. */
    private boolean abandonedWithoutSession() {
        if (withSession || current == null || current.kind == HistoryOp.Kind.GET) {
            return false;
        }
        history.add(current);
        current = null;
        ++attemptId; // a late answer is ignored
        cluster.queue().after(random.nextInt(20), this::next);
        return true;
    }

    private ByteString freshValue() {
        // Decimal text, so that ADD can work on it; unique per client and operation.
        long value = (Math.abs((long) id.hashCode()) % 1000) * 1_000_000 + (++valueCounter);
        return ByteString.copyFromUtf8(Long.toString(value));
    }

    private void begin(HistoryOp op, ClientMessages.Request request) {
        current = op;
        currentRequest = request;
        attempts = 0;
        attempt();
    }

    /** Attempts beyond the first, over all operations: the retries this client made. */
    int retries() {
        return retries;
    }

    private void attempt() {
        attempts++;
        if (attempts > 1) {
            retries++;
        }
        long attempt = ++attemptId;
        currentRequest = new ClientMessages.Request(id, attempt, currentRequest.command(), currentRequest.readKey());
        String target = attempts == 1 && preferredNode != null ? preferredNode
                : leaderHint != null ? leaderHint : cluster.randomNodeId(random);
        ClientMessages.Request request = currentRequest;
        // One attempt is one call: the network may repeat packets, a call is served at most once.
        boolean[] delivered = {false};
        cluster.network().send(id, target, request, r -> {
            if (!delivered[0]) {
                delivered[0] = true;
                cluster.node(target).receive(r);
            }
        });
        cluster.queue().after(cluster.requestTimeoutMillis(), () -> {
            if (current != null && attemptId == attempt) {
                leaderHint = null;
                if (!abandonedWithoutSession()) {
                    retryLater();
                }
            }
        });
    }

    private void retryLater() {
        long backoff = Math.min(200, 10L << Math.min(attempts, 4));
        long attempt = ++attemptId; // a late answer to the old attempt is ignored from now on
        cluster.queue().after(backoff / 2 + random.nextLong(backoff / 2 + 1), () -> {
            if (current != null && attemptId == attempt) {
                attempt();
            }
        });
    }

    void receive(ClientMessages.Response response) {
        cluster.queue().trace("resp", id, response.traceBytes());
        if (current == null || response.attemptId() != attemptId) {
            return;
        }
        switch (response.status()) {
            case NOT_LEADER -> {
                leaderHint = response.leaderHint();
                retryLater();
            }
            case RETRY -> {
                if (!abandonedWithoutSession()) {
                    retryLater();
                }
            }
            case OK -> complete(response);
        }
    }

    private void complete(ClientMessages.Response response) {
        if (response.leaderHint() != null) {
            leaderHint = response.leaderHint();
        }
        HistoryOp op = current;
        op.returnMillis = cluster.queue().nowMillis();
        op.completed = true;
        if (op.kind == HistoryOp.Kind.GET) {
            op.output = response.value();
            if (response.value() != null) {
                lastSeen.put(op.key, response.value());
            } else {
                lastSeen.remove(op.key);
            }
        } else {
            CommandResult result = response.result();
            op.result = result;
            if (op.kind == HistoryOp.Kind.OPEN_SESSION) {
                sessionId = result.getSessionId();
                current = null;
                cluster.queue().after(random.nextInt(20), this::next);
                return;
            }
        }
        history.add(op);
        current = null;
        cluster.queue().after(random.nextInt(20), this::next);
    }
}
