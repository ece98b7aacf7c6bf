package dev.raftkv.storage.chronicle;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import dev.raftkv.storage.SyncProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * Counts dirty and under-writeback page-cache pages of the queue's cycle files with
 * Linux's {@code cachestat(2)} (since 6.5), called through JNA (which Chronicle brings).
 * Pages written through Chronicle's shared mappings count as dirty until written back,
 * so 0 right after {@code sync()} means the sync reached the device. The metadata
 * file is left out: it holds Chronicle's locks and a cache of the directory listing,
 * rewritten on every append and rebuilt from the directory on open.
 */
public final class CachestatProbe implements SyncProbe {

    private static final long SYS_CACHESTAT = 451; // x86_64 and aarch64
    private static final int ENOSYS = 38;

    private static final NativeLibrary LIBC = NativeLibrary.getInstance("c");
    private static final Function OPEN = LIBC.getFunction("open");
    private static final Function CLOSE = LIBC.getFunction("close");
    private static final Function SYSCALL = LIBC.getFunction("syscall");

    @Override
    public long unwrittenPages(Path directory) {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(file -> file.toString().endsWith(SingleChronicleQueue.SUFFIX)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long unwritten = 0;
        for (Path file : files) {
            long pages = unwrittenPagesOf(file);
            if (pages < 0) {
                return -1;
            }
            unwritten += pages;
        }
        return unwritten;
    }

    /** Dirty plus writeback pages of {@code file}, or -1 if the kernel has no cachestat. */
    static long unwrittenPagesOf(Path file) {
        int fd = OPEN.invokeInt(new Object[] {file.toString(), 0});
        if (fd < 0) {
            throw new IllegalStateException("open " + file + " failed, errno " + Native.getLastError());
        }
        Memory range = new Memory(16);
        Memory stat = new Memory(40);
        try {
            range.setLong(0, 0);
            range.setLong(8, 0); // to the end of the file
            long result = SYSCALL.invokeLong(new Object[] {SYS_CACHESTAT, (long) fd, range, stat, 0L});
            if (result != 0) {
                int errno = Native.getLastError();
                if (errno == ENOSYS) {
                    return -1;
                }
                throw new IllegalStateException("cachestat " + file + " failed, errno " + errno);
            }
            return stat.getLong(8) + stat.getLong(16); // nr_dirty + nr_writeback
        } finally {
            CLOSE.invokeInt(new Object[] {fd});
        }
    }
}
