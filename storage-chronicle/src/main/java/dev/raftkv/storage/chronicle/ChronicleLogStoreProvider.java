package dev.raftkv.storage.chronicle;

import dev.raftkv.storage.LogStore;
import dev.raftkv.storage.LogStoreProvider;
import java.nio.file.Path;

/**
 * The {@code chronicle} backend, found by {@link java.util.ServiceLoader}. The JVM that
 * runs it needs the options of {@link ChronicleJvmOptions}.
 */
public final class ChronicleLogStoreProvider implements LogStoreProvider {

    @Override
    public String name() {
        return "chronicle";
    }

    @Override
    public LogStore open(Path directory) {
        return ChronicleLogStore.open(directory);
    }
}
