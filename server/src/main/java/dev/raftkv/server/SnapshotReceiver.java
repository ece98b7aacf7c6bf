package dev.raftkv.server;

import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.SnapshotMeta;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The receiving side of {@code RaftPeer.InstallSnapshot}: writes the chunks of a
 * leader's snapshot to a partial file ({@code incoming-<leader>.part}), answers how much
 * it holds so a broken transfer resumes where it stopped, and, after the last chunk,
 * syncs the file, verifies it whole (magic, meta, checksum, and the checksum the leader
 * announced) and moves it into place before the core hears of it. A snapshot that
 * fails verification is deleted and reported; the leader sends it again.
 */
final class SnapshotReceiver {

    private static final Logger LOG = System.getLogger(SnapshotReceiver.class.getName());

    /** A transfer in progress from one leader. */
    private static final class Partial {
        final long term;
        final SnapshotMeta meta;
        final long totalBytes;
        final Path file;
        long received;

        Partial(long term, SnapshotMeta meta, long totalBytes, Path file) {
            this.term = term;
            this.meta = meta;
            this.totalBytes = totalBytes;
            this.file = file;
        }

        boolean sameAs(SnapshotChunk chunk) {
            return chunk.getTerm() == term && chunk.getMeta().equals(meta) && chunk.getTotalBytes() == totalBytes;
        }
    }

    private final String selfId;
    private final SnapshotFiles files;
    private final Consumer<Message> core;
    private final TransitionLog transitions;
    private final LongSupplier nanoClock;
    private final Map<String, Partial> partials = new ConcurrentHashMap<>();

    /**
     * @param core where the {@code MSG_SNAPSHOT} for a verified file goes (the event loop)
     */
    SnapshotReceiver(String selfId, SnapshotFiles files, Consumer<Message> core, TransitionLog transitions,
                     LongSupplier nanoClock) {
        this.selfId = selfId;
        this.files = files;
        this.core = core;
        this.transitions = transitions;
        this.nanoClock = nanoClock;
    }

    StreamObserver<SnapshotChunk> receive(StreamObserver<InstallSnapshotResponse> out) {
        return new StreamObserver<>() {
            private Partial partial;
            private FileChannel channel;
            private boolean failed;
            private boolean complete;
            private long started;

            @Override
            public void onNext(SnapshotChunk chunk) {
                if (failed || complete) {
                    return;
                }
                try {
                    if (partial == null) {
                        begin(chunk);
                    }
                    if (!partial.sameAs(chunk)) {
                        throw Status.INVALID_ARGUMENT.withDescription("a chunk of another snapshot in the same"
                                + " stream").asRuntimeException();
                    }
                    if (chunk.getData().isEmpty() && !chunk.getLast()) {
                        return;
                    }
                    if (chunk.getOffset() != partial.received) {
                        // Out of step with what we hold: tell the sender where to resume.
                        failed = true;
                        answer(false);
                        return;
                    }
                    if (channel == null) {
                        channel = FileChannel.open(partial.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        channel.truncate(partial.received);
                        channel.position(partial.received);
                    }
                    ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
                    while (data.hasRemaining()) {
                        channel.write(data);
                    }
                    partial.received += chunk.getData().size();
                    if (chunk.getLast()) {
                        finish(chunk);
                    }
                } catch (IOException e) {
                    fail(Status.INTERNAL.withDescription(selfId + " cannot write the snapshot: " + e.getMessage()));
                } catch (io.grpc.StatusRuntimeException e) {
                    fail(e.getStatus());
                } catch (SnapshotCorruptException e) {
                    LOG.log(Level.WARNING, selfId + ": " + e.getMessage() + "; asking for it again");
                    transitions.event("snapshot-rejected", partial.term, "from=" + chunk.getFrom() + " index="
                            + partial.meta.getIndex() + " reason=\"" + e.getMessage() + "\"");
                    discard(chunk.getFrom());
                    fail(Status.DATA_LOSS.withDescription(e.getMessage()));
                }
            }

            private void begin(SnapshotChunk chunk) {
                String from = chunk.getFrom();
                if (!from.matches("[A-Za-z0-9_.-]+")) {
                    throw Status.INVALID_ARGUMENT.withDescription("bad sender id '" + from + "'").asRuntimeException();
                }
                Partial existing = partials.get(from);
                if (existing != null && existing.sameAs(chunk)) {
                    partial = existing;
                } else {
                    if (existing != null) {
                        SnapshotFiles.deleteQuietly(existing.file);
                    }
                    partial = new Partial(chunk.getTerm(), chunk.getMeta(), chunk.getTotalBytes(),
                            files.dir().resolve("incoming-" + from + ".part"));
                    SnapshotFiles.deleteQuietly(partial.file);
                    partials.put(from, partial);
                    transitions.event("snapshot-receive", chunk.getTerm(), "from=" + from + " index="
                            + chunk.getMeta().getIndex() + " bytes=" + chunk.getTotalBytes());
                }
                started = nanoClock.getAsLong();
            }

            private void finish(SnapshotChunk last) throws IOException {
                channel.force(true);
                channel.close();
                channel = null;
                if (partial.received != partial.totalBytes) {
                    throw new SnapshotCorruptException(partial.file, "received " + partial.received + " bytes, the"
                            + " leader announced " + partial.totalBytes);
                }
                SnapshotMeta meta = SnapshotFiles.verify(partial.file);
                if (!meta.equals(partial.meta)) {
                    throw new SnapshotCorruptException(partial.file, "its meta differs from the one announced");
                }
                int trailer = SnapshotFiles.trailer(partial.file);
                if (trailer != last.getCrc32C()) {
                    throw new SnapshotCorruptException(partial.file, String.format("it ends with checksum %08x but"
                            + " the leader announced %08x", trailer, last.getCrc32C()));
                }
                Path temp = partial.file.resolveSibling(SnapshotFiles.name(meta) + ".tmp");
                java.nio.file.Files.move(partial.file, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                files.adopt(temp, meta);
                partials.remove(last.getFrom(), partial);
                complete = true;
                double seconds = (nanoClock.getAsLong() - started) / 1e9;
                transitions.event("snapshot-received", partial.term, String.format("from=%s index=%d bytes=%d"
                        + " seconds=%.2f rate_mb_s=%.1f", last.getFrom(), meta.getIndex(), partial.totalBytes, seconds,
                        partial.totalBytes / 1048576.0 / Math.max(seconds, 1e-9)));
                core.accept(Message.newBuilder().setType(MessageType.MSG_SNAPSHOT).setFrom(last.getFrom())
                        .setTo(selfId).setTerm(partial.term).setSnapshot(meta).build());
            }

            private void fail(Status status) {
                failed = true;
                closeChannel();
                out.onError(status.asRuntimeException());
            }

            private void answer(boolean done) {
                closeChannel();
                out.onNext(InstallSnapshotResponse.newBuilder().setTerm(partial == null ? 0 : partial.term)
                        .setReceivedBytes(partial == null ? 0 : partial.received).setComplete(done).build());
                out.onCompleted();
            }

            private void closeChannel() {
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException e) {
                        LOG.log(Level.DEBUG, "closing a partial snapshot: " + e.getMessage());
                    }
                    channel = null;
                }
            }

            @Override
            public void onError(Throwable t) {
                // The sender went away; what we hold stays for it to resume.
                closeChannel();
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    answer(complete);
                }
            }
        };
    }

    private void discard(String from) {
        Partial partial = partials.remove(from);
        if (partial != null) {
            SnapshotFiles.deleteQuietly(partial.file);
        }
    }

    /** Deletes partial files a restart left behind (a new transfer starts from scratch). */
    void deleteLeftovers() {
        try (var list = java.nio.file.Files.list(files.dir())) {
            list.filter(f -> f.getFileName().toString().endsWith(".part")).forEach(SnapshotFiles::deleteQuietly);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list " + files.dir() + ": " + e.getMessage());
        }
    }
}
