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

    /** Never: the memory backend writes no file. */
    @Override
    public boolean recognises(Path directory) {
        return false;
    }

    @Override
    public boolean durable() {
        return false;
    }
}
