package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreCorruptionTest;
import java.nio.file.Path;

/** Damage to Chronicle cycle files. */
class ChronicleCorruptionTest extends LogStoreCorruptionTest {

    @Override
    protected LogStore open(Path directory) {
        return ChronicleLogStore.open(directory, ChronicleLogStoreContractTest.SMALL_FILES);
    }
}
