package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreCrashTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * kill -9 of a Chronicle log, with the kernel asked after every sync whether any page
 * is unwritten. 4 MiB cycle files, so that rolls and file deletions happen between kills.
 */
class ChronicleCrashTest extends LogStoreCrashTest {

    private static final long SEGMENT_BYTES = 4 << 20;

    @Override
    protected String backend() {
        return "chronicle";
    }

    @Override
    protected List<String> childJvmOptions() {
        List<String> options = new ArrayList<>(ChronicleJvmOptions.list());
        options.add("-D" + ChronicleLogStoreProvider.SEGMENT_BYTES + "=" + SEGMENT_BYTES);
        return options;
    }

    @Override
    protected LogStore open(Path directory) {
        return ChronicleLogStore.open(directory, new ChronicleLogStore.Options(SEGMENT_BYTES, ChronicleLogStore.Options.DEFAULT.blockBytes()));
    }

    @Override
    protected String syncProbe() {
        return CachestatProbe.class.getName();
    }
}
