package dev.raftkv.client;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.StatusResponse;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Blocking view of a {@link RaftKvClient}: each method waits for the async operation and
 * returns its result or throws its {@link RaftKvException}. Same retries, deadlines and
 * exactly-once guarantees. Thread-safe; closing is the underlying client's business.
 *
 * <p>An interrupt stops the wait (throwing a {@code RaftKvException} with code
 * {@code CANCELLED} and the interrupt flag set) but not the operation: a write may still
 * be applied.
 */
public final class BlockingRaftKvClient {

    private final RaftKvClient client;

    BlockingRaftKvClient(RaftKvClient client) {
        this.client = client;
    }

    public GetResult get(ByteString key) {
        return await(client.get(key));
    }

    public GetResult get(ByteString key, Consistency consistency) {
        return await(client.get(key, consistency));
    }

    public WriteResult put(ByteString key, ByteString value) {
        return await(client.put(key, value));
    }

    public WriteResult delete(ByteString key) {
        return await(client.delete(key));
    }

    public long add(ByteString key, long delta) {
        return await(client.add(key, delta));
    }

    public void compareAndSet(ByteString key, ByteString expectedValue, ByteString newValue) {
        await(client.compareAndSet(key, expectedValue, newValue));
    }

    public void putIfAbsent(ByteString key, ByteString newValue) {
        await(client.putIfAbsent(key, newValue));
    }

    public ScanPage scan(ScanRange range, int limit, Consistency consistency) {
        return await(client.scan(range, limit, consistency));
    }

    public List<KeyValue> scanAll(ScanRange range, int pageSize, int maxKeys, Consistency consistency) {
        return await(client.scanAll(range, pageSize, maxKeys, consistency));
    }

    public StatusResponse status() {
        return await(client.status());
    }

    public StatusResponse status(String address) {
        return await(client.status(address));
    }

    /** {@link #get(ByteString)} of a UTF-8 key. */
    public GetResult get(String key) {
        return get(ByteString.copyFromUtf8(key));
    }

    /** {@link #put(ByteString, ByteString)} of a UTF-8 key and value. */
    public WriteResult put(String key, String value) {
        return put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RaftKvException("interrupted while waiting for the answer", Status.Code.CANCELLED, e);
        } catch (ExecutionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof RaftKvException raftKv) {
                throw raftKv;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new RaftKvException(cause.toString(), cause);
        }
    }
}
