package dev.raftkv.server;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.SessionLimits;
import dev.raftkv.proto.SnapshotMeta;
import dev.raftkv.storage.StorageException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The snapshot files of one node, in its data directory's {@code snapshots/}.
 *
 * <p>A file {@code snapshot-<index>-<term>.snap} holds: the magic {@code RKVSNAP1}, the
 * length (4 bytes, big-endian) and bytes of its {@link SnapshotMeta}, the state
 * machine's snapshot ({@link KvStateMachine#writeSnapshot}, itself checksummed), and a
 * CRC32C (4 bytes) of everything before it. Files are written to a temporary name,
 * synced, renamed into place and the directory synced, so a crash leaves either the
 * whole file or none under the final name. Older files beyond the retention are
 * deleted once a newer one is in place.
 *
 * <p>Thread-safety: the methods may be called from several threads; writes of the same
 * index must not race (the caller serialises snapshot creation).
 */
final class SnapshotFiles implements SnapshotStore {

    private static final Logger LOG = System.getLogger(SnapshotFiles.class.getName());
    private static final byte[] MAGIC = "RKVSNAP1".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})-(\\d{20})\\.snap");
    private static final int BUFFER = 1 << 16;
    private static final int MAX_META_BYTES = 16 << 20;

    /** Writes the state machine part of a snapshot. */
    @FunctionalInterface
    interface BodyWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Path dir;
    private final int retain;

    SnapshotFiles(Path dir, int retain) {
        this.dir = dir;
        this.retain = retain;
    }

    Path dir() {
        return dir;
    }

    /** The file of the snapshot at {@code meta}. */
    Path file(SnapshotMeta meta) {
        return dir.resolve(name(meta));
    }

    @Override
    public boolean holds(SnapshotMeta meta) {
        return Files.exists(file(meta));
    }

    @Override
    public Applier.SnapshotSource source(SnapshotMeta meta) {
        Path file = file(meta);
        return limits -> load(file, limits);
    }

    @Override
    public String describe(SnapshotMeta meta) {
        return file(meta).toString();
    }

    /** Writes a snapshot atomically and durably, then prunes old ones; returns what was written. */
    @Override
    public SnapshotInfo write(SnapshotMeta meta, BodyWriter body) {
        Path target = dir.resolve(name(meta));
        Path temp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            OutputStream raw = Channels.newOutputStream(channel);
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, BUFFER),
                    crc));
            byte[] metaBytes = meta.toByteArray();
            out.write(MAGIC);
            out.writeInt(metaBytes.length);
            out.write(metaBytes);
            body.writeTo(out);
            out.flush();
            DataOutputStream trailer = new DataOutputStream(raw);
            trailer.writeInt((int) crc.getValue());
            trailer.flush();
            channel.force(true);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StorageException("cannot write snapshot " + target + ": " + e.getMessage(), e);
        }
        return adopt(temp, meta);
    }

    /**
     * Moves a complete, synced file (written here or received from a leader and
     * {@link #verify verified}) into place under its final name, syncs the directory and
     * prunes old snapshots.
     */
    SnapshotInfo adopt(Path complete, SnapshotMeta meta) {
        Path target = dir.resolve(name(meta));
        try {
            Files.move(complete, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } catch (IOException e) {
            throw new StorageException("cannot move snapshot into place at " + target + ": " + e.getMessage(), e);
        }
        prune();
        return info(target).orElseThrow();
    }

    /** The snapshot files held, newest (highest index) first. Temporary and partial files are not listed. */
    @Override
    public List<SnapshotInfo> list() {
        List<SnapshotInfo> result = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> info(f).ifPresent(result::add));
        } catch (IOException e) {
            throw new StorageException("cannot list snapshots in " + dir + ": " + e.getMessage(), e);
        }
        result.sort(Comparator.comparingLong(SnapshotInfo::index).thenComparingLong(SnapshotInfo::term).reversed());
        return result;
    }

    /** Deletes temporary files of writes a crash interrupted, and files beyond the retention. */
    void prune() {
        List<SnapshotInfo> all = list();
        for (int i = retain; i < all.size(); i++) {
            deleteQuietly(all.get(i).file());
        }
    }

    /** Deletes leftovers of interrupted writes ({@code *.tmp}); called at start-up. */
    void deleteTemporaryFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().endsWith(".tmp")).forEach(SnapshotFiles::deleteQuietly);
        } catch (IOException e) {
            throw new StorageException("cannot list snapshots in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks a whole file: magic, meta and the trailing CRC32C.
     *
     * @return its meta
     * @throws SnapshotCorruptException naming the file and what is wrong
     */
    static SnapshotMeta verify(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            CRC32C crc = new CRC32C();
            DataInputStream data = new DataInputStream(new CheckedInputStream(new BufferedInputStream(in, BUFFER), crc));
            SnapshotMeta meta = readHeader(file, data, size);
            long bodyBytes = size - headerBytes(meta) - 4;
            data.skipNBytes(bodyBytes);
            checkTrailer(file, crc, data);
            return meta;
        } catch (EOFException e) {
            throw new SnapshotCorruptException(file, "it is truncated");
        } catch (IOException e) {
            throw new StorageException("cannot read snapshot " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a snapshot file into a new state machine, verifying the file's checksum and
     * the state machine's own in the same pass.
     *
     * @throws SnapshotCorruptException if the file is damaged in any way
     */
    static Loaded load(Path file, SessionLimits limits) {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            CRC32C crc = new CRC32C();
            DataInputStream data = new DataInputStream(new CheckedInputStream(new BufferedInputStream(in, BUFFER), crc));
            SnapshotMeta meta = readHeader(file, data, size);
            long bodyBytes = size - headerBytes(meta) - 4;
            BoundedInputStream body = new BoundedInputStream(data, bodyBytes);
            KvStateMachine stateMachine;
            try {
                stateMachine = KvStateMachine.readSnapshot(body, limits);
            } catch (dev.raftkv.kv.SnapshotFormatException e) {
                throw new SnapshotCorruptException(file, "its state does not read back: " + e.getMessage());
            }
            data.skipNBytes(body.remaining());
            checkTrailer(file, crc, data);
            if (stateMachine.appliedIndex() != meta.getIndex()) {
                throw new SnapshotCorruptException(file, "its state stands at index " + stateMachine.appliedIndex()
                        + " but its meta says " + meta.getIndex());
            }
            return new Loaded(meta, stateMachine);
        } catch (EOFException e) {
            throw new SnapshotCorruptException(file, "it is truncated");
        } catch (IOException e) {
            throw new StorageException("cannot read snapshot " + file + ": " + e.getMessage(), e);
        }
    }

    /** A state machine restored from a file, with the file's meta. */
    record Loaded(SnapshotMeta meta, KvStateMachine stateMachine) {
    }

    private static SnapshotMeta readHeader(Path file, DataInputStream data, long size) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        data.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new SnapshotCorruptException(file, "it does not start with the snapshot magic");
        }
        int metaLength = data.readInt();
        if (metaLength < 0 || metaLength > MAX_META_BYTES || MAGIC.length + 4L + metaLength + 4 > size) {
            throw new SnapshotCorruptException(file, "its header announces " + metaLength + " bytes of meta");
        }
        byte[] metaBytes = new byte[metaLength];
        data.readFully(metaBytes);
        try {
            return SnapshotMeta.parseFrom(metaBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new SnapshotCorruptException(file, "its meta does not parse: " + e.getMessage());
        }
    }

    private static void checkTrailer(Path file, CRC32C crc, DataInputStream data) throws IOException {
        int expected = (int) crc.getValue();
        // The trailer is not part of the checksum: read it past the checked stream's buffer.
        byte[] trailer = data.readNBytes(4);
        if (trailer.length < 4) {
            throw new SnapshotCorruptException(file, "it is truncated");
        }
        int found = ((trailer[0] & 0xff) << 24) | ((trailer[1] & 0xff) << 16) | ((trailer[2] & 0xff) << 8)
                | (trailer[3] & 0xff);
        // The checked stream also fed the trailer into crc; compare with the value taken before it.
        if (found != expected) {
            throw new SnapshotCorruptException(file, String.format("its checksum is %08x but its content gives %08x",
                    found, expected));
        }
        if (data.read() != -1) {
            throw new SnapshotCorruptException(file, "it has bytes after its checksum");
        }
    }

    private static long headerBytes(SnapshotMeta meta) {
        return MAGIC.length + 4L + meta.getSerializedSize();
    }

    /** The CRC32C a snapshot file ends with: the checksum of everything before it. */
    static int trailer(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            java.nio.ByteBuffer trailer = java.nio.ByteBuffer.allocate(4);
            channel.read(trailer, channel.size() - 4);
            return trailer.flip().getInt();
        }
    }

    static String name(SnapshotMeta meta) {
        return String.format("snapshot-%020d-%020d.snap", meta.getIndex(), meta.getTerm());
    }

    private static java.util.Optional<SnapshotInfo> info(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(new SnapshotInfo(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Files.size(file), Files.getLastModifiedTime(file).toMillis(), file));
        } catch (IOException e) {
            // deleted meanwhile (pruned)
            return java.util.Optional.empty();
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete " + file + ": " + e.getMessage());
        }
    }

    /** Reads at most {@code limit} bytes of {@code in}. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        long remaining() {
            return remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, remaining));
            remaining -= skipped;
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), remaining);
        }

        @Override
        public void close() {
            // the caller closes the file
        }
    }
}
