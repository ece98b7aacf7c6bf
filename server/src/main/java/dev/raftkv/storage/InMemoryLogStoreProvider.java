package dev.raftkv.storage;

import java.nio.file.Path;

/** The {@code memory} backend: nothing survives a restart. For tests and trials only. */
public final class InMemoryLogStoreProvider implements LogStoreProvider {

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public LogStore open(Path directory) {
        return new InMemoryLogStore();
    }
}
