package dev.raftkv.sim;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotChunk;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * InstallSnapshot between simulated drivers (§7), as the production driver streams a
 * snapshot file: the sender cuts its newest snapshot into {@link SnapshotChunk}s and
 * keeps at most a window of them unacknowledged (flow control); the receiver answers
 * each chunk with the bytes it holds in order, so a lost, duplicated or reordered
 * chunk makes the sender go back to that offset. A stream without progress for a
 * while is abandoned and reported failed to the core, which sends a snapshot again.
 * The receiver verifies the CRC32C before it steps {@code MSG_SNAPSHOT} into its core.
 * All of it lives in memory and dies with a crash of either side.
 */
final class SnapshotTransfers {

    /** Resend from the last acknowledged byte after this long without an answer. */
    private static final long RESEND_AFTER_MILLIS = 60;
    /** Give up (report failure) after this long without progress. */
    private static final long ABANDON_AFTER_MILLIS = 400;

    private static final class Outgoing {
        final StoredSnapshot snapshot;
        final long term;
        final long id;
        int acked;
        int sent;
        long lastProgressMillis;
        long lastSendMillis;

        Outgoing(StoredSnapshot snapshot, long term, long id, long now) {
            this.snapshot = snapshot;
            this.term = term;
            this.id = id;
            this.lastProgressMillis = now;
        }
    }

    private static final class Incoming {
        final SnapshotChunk first;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Incoming(SnapshotChunk first) {
            this.first = first;
        }
    }

    private final SimNode node;
    private final Cluster cluster;
    private final Map<String, Outgoing> outgoing = new HashMap<>();
    private final Map<String, Incoming> incoming = new HashMap<>();
    private long nextId = 1;

    SnapshotTransfers(SimNode node, Cluster cluster) {
        this.node = node;
        this.cluster = cluster;
    }

    /** Whether a snapshot is arriving from some leader right now. */
    boolean receiving() {
        return !incoming.isEmpty();
    }

    /** Forgets every stream, as a crash does. */
    void clear() {
        outgoing.clear();
        incoming.clear();
    }

    /** The core asked for a snapshot to go to {@code to}: streams the newest one, replacing any stream to it. */
    void start(String to, StoredSnapshot snapshot, long term) {
        Outgoing out = new Outgoing(snapshot, term, nextId++, cluster.queue().nowMillis());
        outgoing.put(to, out);
        fillWindow(to, out);
        scheduleCheck(to, out, node.incarnation());
    }

    private void fillWindow(String to, Outgoing out) {
        int chunkBytes = cluster.settings().snapshotChunkBytes();
        int window = cluster.settings().snapshotWindowChunks() * chunkBytes;
        byte[] data = out.snapshot.data();
        while (out.sent < data.length && out.sent - out.acked < window) {
            int length = Math.min(chunkBytes, data.length - out.sent);
            boolean last = out.sent + length == data.length;
            SnapshotChunk.Builder chunk = SnapshotChunk.newBuilder().setFrom(node.id).setTerm(out.term)
                    .setMeta(out.snapshot.meta()).setOffset(out.sent).setTotalBytes(data.length)
                    .setData(ByteString.copyFrom(data, out.sent, length)).setLast(last);
            if (last) {
                chunk.setCrc32C(out.snapshot.crc32c());
            }
            send(to, chunk.build());
            out.sent += length;
            out.lastSendMillis = cluster.queue().nowMillis();
        }
    }

    private void send(String to, SnapshotChunk chunk) {
        int life = node.incarnation();
        cluster.network().send(node.id, to, chunk, c -> {
            if (life != node.incarnation() && cluster.network().loseInFlightOfCrashedSender()) {
                return;
            }
            cluster.node(to).receiveChunk(c);
        });
    }

    private void scheduleCheck(String to, Outgoing out, int life) {
        cluster.queue().after(RESEND_AFTER_MILLIS, () -> {
            if (life != node.incarnation() || outgoing.get(to) != out || !node.isUp()) {
                return;
            }
            long now = cluster.queue().nowMillis();
            if (now - out.lastProgressMillis >= ABANDON_AFTER_MILLIS) {
                outgoing.remove(to);
                node.reportSnapshot(to, false);
                return;
            }
            if (now - out.lastSendMillis >= RESEND_AFTER_MILLIS) {
                out.sent = out.acked;
                fillWindow(to, out);
            }
            scheduleCheck(to, out, life);
        });
    }

    /** An answer from {@code from}: it holds {@code receivedBytes} in order, or installed the whole snapshot. */
    void onResponse(String from, InstallSnapshotResponse response) {
        Outgoing out = outgoing.get(from);
        if (out == null || response.getTerm() != out.term) {
            return;
        }
        if (response.getComplete()) {
            outgoing.remove(from);
            node.reportSnapshot(from, true);
            return;
        }
        int received = (int) Math.min(response.getReceivedBytes(), out.snapshot.data().length);
        if (received > out.acked) {
            out.acked = received;
            out.lastProgressMillis = cluster.queue().nowMillis();
        } else if (received == out.acked && out.sent > out.acked) {
            // The receiver missed a chunk: go back to what it holds (go-back-N).
            out.sent = out.acked;
        }
        fillWindow(from, out);
    }

    /** A chunk from leader {@code chunk.from}. Returns a verified, complete snapshot to install, or null. */
    StoredSnapshot onChunk(SnapshotChunk chunk) {
        String from = chunk.getFrom();
        Incoming in = incoming.get(from);
        if (chunk.getOffset() == 0 && (in == null || !sameStream(in.first, chunk) || in.bytes.size() == 0)) {
            in = new Incoming(chunk);
            incoming.put(from, in);
        }
        if (in == null || !sameStream(in.first, chunk) || chunk.getOffset() != in.bytes.size()) {
            answer(from, chunk.getTerm(), in == null || !sameStream(in.first, chunk) ? 0 : in.bytes.size(), false);
            return null;
        }
        in.bytes.writeBytes(chunk.getData().toByteArray());
        if (!chunk.getLast()) {
            answer(from, chunk.getTerm(), in.bytes.size(), false);
            return null;
        }
        incoming.remove(from);
        byte[] data = in.bytes.toByteArray();
        if (data.length != chunk.getTotalBytes() || StoredSnapshot.crc(data) != chunk.getCrc32C()) {
            // Damaged in transit: start over.
            answer(from, chunk.getTerm(), 0, false);
            return null;
        }
        answer(from, chunk.getTerm(), data.length, true);
        return new StoredSnapshot(chunk.getMeta(), data, chunk.getCrc32C());
    }

    /** The message a receiving driver steps into its core once the snapshot is verified. */
    static Message snapshotMessage(String to, SnapshotChunk lastChunk, StoredSnapshot snapshot) {
        return Message.newBuilder().setType(MessageType.MSG_SNAPSHOT).setFrom(lastChunk.getFrom()).setTo(to)
                .setTerm(lastChunk.getTerm()).setSnapshot(snapshot.meta()).build();
    }

    private static boolean sameStream(SnapshotChunk a, SnapshotChunk b) {
        return a.getTerm() == b.getTerm() && a.getMeta().equals(b.getMeta()) && a.getTotalBytes() == b.getTotalBytes();
    }

    private void answer(String to, long term, long receivedBytes, boolean complete) {
        InstallSnapshotResponse response = InstallSnapshotResponse.newBuilder().setTerm(term)
                .setReceivedBytes(receivedBytes).setComplete(complete).build();
        int life = node.incarnation();
        cluster.network().send(node.id, to, response, r -> {
            if (life != node.incarnation() && cluster.network().loseInFlightOfCrashedSender()) {
                return;
            }
            cluster.node(to).receiveSnapshotResponse(node.id, r);
        });
    }
}
