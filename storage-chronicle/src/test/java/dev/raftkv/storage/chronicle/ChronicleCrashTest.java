package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStoreCrashTest;
import java.util.List;

/** kill -9 of a Chronicle log, with the kernel asked after every sync whether any page is unwritten. */
class ChronicleCrashTest extends LogStoreCrashTest {

    @Override
    protected String backend() {
        return "chronicle";
    }

    @Override
    protected List<String> childJvmOptions() {
        return ChronicleJvmOptions.list();
    }

    @Override
    protected String syncProbe() {
        return CachestatProbe.class.getName();
    }
}
