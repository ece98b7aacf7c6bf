package dev.raftkv.storage.chronicle;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.System.Logger.Level;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;

/**
 * Tells Linux not to read ahead around page faults in the appender's mapped chunks
 * ({@code madvise(MADV_RANDOM)}). Without it, a fault in a file mapped for appending
 * reads ahead by the device's {@code read_ahead_kb} and grows the page cache in large
 * folios (up to 2 MiB); a small append then dirties a whole folio, and every
 * {@code fdatasync} writes megabytes for a few kilobytes of records. With the advice,
 * pages stay 4 KiB and a sync writes what was appended. Purely a performance hint:
 * if the call is unavailable or fails, nothing changes but speed. Called on the
 * appending thread.
 */
final class RandomAccessAdvice {

    private static final System.Logger LOG = System.getLogger(RandomAccessAdvice.class.getName());
    private static final int MADV_RANDOM = 1;
    private static final Function MADVISE = lookup();

    private BytesStore<?, ?> advised;

    private static Function lookup() {
        try {
            return NativeLibrary.getInstance("c").getFunction("madvise");
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.INFO, "madvise is not available; appends may write back more than they wrote: {0}", e);
            return null;
        }
    }

    /** Advises the mapping behind {@code store} once. */
    void adviseOnce(BytesStore<?, ?> store) {
        if (MADVISE == null || store == advised || !(store instanceof MappedBytesStore mapped)) {
            return;
        }
        advised = store;
        int result = MADVISE.invokeInt(new Object[] {new Pointer(mapped.address), mapped.realCapacity(), MADV_RANDOM});
        if (result != 0) {
            LOG.log(Level.DEBUG, "madvise(MADV_RANDOM) of a {0}-byte mapping failed", mapped.realCapacity());
        }
    }
}
