package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link BenchRun} drives: one asynchronous operation per call, against raftkv through
 * its client library ({@code raftkv bench}) or any other store over its own API (the
 * side-by-side benchmark of the {@code bench} module).
 *
 * <p>Called from many threads at once (a worker starts its next operation on the thread that
 * completed its previous one), so implementations are thread-safe and must not block. Each
 * returned future completes exactly once, with the answer or the failure, and in bounded time:
 * implementations give their calls a deadline ({@link BenchRun} stops waiting a fixed time
 * after the end of the run and fails).
 */
public interface BenchTarget {

    /** Writes {@code value} under {@code key}; completes when the store acknowledged it. */
    CompletableFuture<?> put(ByteString key, ByteString value);

    /** Reads {@code key} (with the consistency the target was made for); completes with the answer. */
    CompletableFuture<?> get(ByteString key);
}
