package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreContractTest;
import java.nio.file.Path;

/** The shared contract on Chronicle Queue, with 1 MiB cycle files so that tests roll them often. */
class ChronicleLogStoreContractTest extends LogStoreContractTest {

    static final ChronicleLogStore.Options SMALL_FILES = new ChronicleLogStore.Options(1 << 20, 32 << 20);

    @Override
    protected LogStore open(Path directory) {
        return ChronicleLogStore.open(directory, SMALL_FILES);
    }
}
