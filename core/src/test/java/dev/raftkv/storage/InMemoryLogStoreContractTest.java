package dev.raftkv.storage;

import java.nio.file.Path;

/** The contract on the heap store; it keeps nothing across a restart, so restart tests are skipped. */
class InMemoryLogStoreContractTest extends LogStoreContractTest {

    @Override
    protected LogStore open(Path directory) {
        return LogStoreProvider.named("memory").open(directory);
    }

    @Override
    protected boolean survivesRestart() {
        return false;
    }
}
