package dev.raftkv.client;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.AddRequest;
import dev.raftkv.proto.CompareAndSetRequest;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.DeleteRequest;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.GetResponse;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.ScanRequest;
import dev.raftkv.proto.ScanResponse;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The asynchronous raftkv client: one per application, shared by all its threads.
 *
 * <h2>Threading</h2>
 * Thread-safe. No method blocks: each returns a {@link CompletableFuture} that completes on a
 * gRPC callback thread (or the client's backoff thread); stages chained without an
 * executor run there too, so they must not block. {@link #blocking()} offers the same
 * operations as blocking calls. Futures fail with a {@link RaftKvException} subclass, never
 * wrapped in a {@code CompletionException}.
 *
 * <h2>Routing and leader discovery</h2>
 * The client starts from {@link ClientOptions#endpoints()}, keeps one gRPC channel per node
 * address (closed by {@link #close()}), and caches the leader from each answer's
 * {@code ResponseHeader.leader_id} (its address from {@code Status} member lists) and from
 * the leader trailers of {@code UNAVAILABLE} answers. Under {@link Routing#LEADER} requests
 * go to the cached leader, saving followers the forwarding hop; any failure moves on to
 * other nodes.
 *
 * <h2>What is retried</h2>
 * Every operation, read or write, is retried on {@code UNAVAILABLE} (no leader, refused
 * connection), {@code RESOURCE_EXHAUSTED} (full proposal queue) and {@code DEADLINE_EXCEEDED}
 * (the per-call deadline, {@link ClientOptions#callTimeout()}), with exponential backoff and
 * full jitter, until {@link ClientOptions#operationTimeout()} has passed since the call. A
 * redirect to a newly named leader is tried at once. {@code INVALID_ARGUMENT} and command
 * results (CAS mismatch, not a number, overflow) are final and never retried.
 *
 * <h2>Size limits</h2>
 * {@code Status} answers tell the nodes' limits (key bytes, value bytes, gRPC message bytes);
 * a request over them fails at once with {@link InvalidArgumentException} naming the limit and
 * its setting ({@code raftkv.kv.max-value-bytes}, ...) and is never sent. A request over 1 MiB
 * while the limits are unknown first makes one {@code Status} call to learn them. gRPC's
 * refusal of an over-long message (RESOURCE_EXHAUSTED "gRPC message exceeds maximum size",
 * unlike a full proposal queue's) is final too: an {@link InvalidArgumentException}, not applied.
 *
 * <h2>Exactly-once writes</h2>
 * Writes run under a session opened lazily by the first write. Each write takes the next
 * sequence number and sends the same session id and sequence on every attempt, so however
 * often it is retried it applies at most once. Each request acknowledges every sequence
 * below the lowest still outstanding, so many concurrent writes pipeline safely. A write
 * that meets SESSION_EXPIRED on its first attempt runs again under a new session; one that
 * may already have been applied by an earlier attempt fails with
 * {@link OutcomeUnknownException}.
 *
 * <h2>"Outcome unknown"</h2>
 * {@link OutcomeUnknownException} means the write was applied once or not at all and the
 * client cannot tell which: its operation timeout ran out after an attempt that may have
 * reached the leader, or its session expired between attempts. {@link UnavailableException}
 * on a write means no attempt can have been applied (each was refused by a full proposal
 * queue or never left the client).
 */
public final class RaftKvClient implements AutoCloseable {

    private final ClientOptions options;
    private final NodeDirectory nodes;
    private final Caller caller;
    private final Writes writes;

    private RaftKvClient(ClientOptions options) {
        this.options = options;
        this.nodes = new NodeDirectory(options.endpoints(), options.callTimeout(), options.credentials());
        this.caller = new Caller(nodes, options);
        this.writes = new Writes(caller, new SessionManager(caller));
    }

    /** A client with {@code options}; connects lazily, so this never fails on an unreachable cluster. */
    public static RaftKvClient create(ClientOptions options) {
        return new RaftKvClient(Objects.requireNonNull(options, "options"));
    }

    /** A client with default options for the comma-separated {@code host:port} list. */
    public static RaftKvClient create(String endpoints) {
        return create(ClientOptions.builder().endpoints(endpoints).build());
    }

    public ClientOptions options() {
        return options;
    }

    /** The same client as blocking calls. */
    public BlockingRaftKvClient blocking() {
        return new BlockingRaftKvClient(this);
    }

    /** A linearizable get. */
    public CompletableFuture<GetResult> get(ByteString key) {
        return get(key, Consistency.LINEARIZABLE);
    }

    /** A get with the given consistency; {@code SERIALIZABLE} may be stale but is served locally by any node. */
    public CompletableFuture<GetResult> get(ByteString key, Consistency consistency) {
        GetRequest request = GetRequest.newBuilder().setKey(key).setConsistency(consistency).build();
        return caller.call(false, null, caller.newOperationDeadline(), KvGrpc.getGetMethod(), () -> request,
                GetResponse::getHeader, Answers.read(response -> new GetResult(response.getFound(), response.getValue())));
    }

    /** Sets {@code key} to {@code value}; the result tells the previous value. */
    public CompletableFuture<WriteResult> put(ByteString key, ByteString value) {
        return writes.run(KvGrpc.getPutMethod(),
                header -> PutRequest.newBuilder().setWrite(header).setKey(key).setValue(value).build(),
                result -> new WriteResult(result.getFound(), result.getValue()));
    }

    /** Deletes {@code key}; the result tells whether it existed and its last value. */
    public CompletableFuture<WriteResult> delete(ByteString key) {
        return writes.run(KvGrpc.getDeleteMethod(),
                header -> DeleteRequest.newBuilder().setWrite(header).setKey(key).build(),
                result -> new WriteResult(result.getFound(), result.getValue()));
    }

    /**
     * Adds {@code delta} to the signed 64-bit decimal number stored at {@code key} (absent
     * counts as 0) and yields the new number. Fails with {@link NotANumberException} or
     * {@link OverflowException}, leaving the key unchanged.
     */
    public CompletableFuture<Long> add(ByteString key, long delta) {
        return writes.run(KvGrpc.getAddMethod(),
                header -> AddRequest.newBuilder().setWrite(header).setKey(key).setDelta(delta).build(),
                result -> result.getNumber());
    }

    /**
     * Sets {@code key} to {@code newValue} if its current value equals {@code expectedValue};
     * otherwise fails with {@link CasMismatchException} carrying the current value.
     */
    public CompletableFuture<Void> compareAndSet(ByteString key, ByteString expectedValue, ByteString newValue) {
        return writes.run(KvGrpc.getCompareAndSetMethod(),
                header -> CompareAndSetRequest.newBuilder().setWrite(header).setKey(key)
                        .setExpectedValue(expectedValue).setNewValue(newValue).build(),
                result -> null);
    }

    /** Sets {@code key} to {@code newValue} if it is absent; otherwise fails with {@link CasMismatchException}. */
    public CompletableFuture<Void> putIfAbsent(ByteString key, ByteString newValue) {
        return writes.run(KvGrpc.getCompareAndSetMethod(),
                header -> CompareAndSetRequest.newBuilder().setWrite(header).setKey(key)
                        .setExpectAbsent(true).setNewValue(newValue).build(),
                result -> null);
    }

    /**
     * One page of at most {@code limit} pairs of {@code range}; continue with
     * {@link ScanPage#next()}.
     *
     * @throws IllegalArgumentException when {@code limit} is below 1
     */
    public CompletableFuture<ScanPage> scan(ScanRange range, int limit, Consistency consistency) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        ScanRequest.Builder builder = ScanRequest.newBuilder().setLimit(limit).setConsistency(consistency);
        range.writeTo(builder);
        ScanRequest request = builder.build();
        return caller.call(false, null, caller.newOperationDeadline(), KvGrpc.getScanMethod(), () -> request,
                ScanResponse::getHeader, Answers.read(response -> new ScanPage(
                        response.getPairsList().stream().map(p -> new KeyValue(p.getKey(), p.getValue())).toList(),
                        response.getMore(), range)));
    }

    /**
     * Up to {@code maxKeys} pairs of {@code range}, read in pages of {@code pageSize}. Each
     * page is its own operation: with LINEARIZABLE each page is linearizable, but the pages
     * together are not one snapshot.
     */
    public CompletableFuture<List<KeyValue>> scanAll(ScanRange range, int pageSize, int maxKeys, Consistency consistency) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
        }
        return Futures.unwrapped(scanFrom(range, pageSize, maxKeys, consistency, new ArrayList<>()));
    }

    private CompletableFuture<List<KeyValue>> scanFrom(ScanRange range, int pageSize, int maxKeys,
            Consistency consistency, List<KeyValue> collected) {
        int limit = Math.min(pageSize, maxKeys - collected.size());
        return scan(range, limit, consistency).thenCompose(page -> {
            collected.addAll(page.pairs());
            Optional<ScanRange> next = page.next();
            if (next.isEmpty() || collected.size() >= maxKeys) {
                return CompletableFuture.completedFuture(List.copyOf(collected));
            }
            return scanFrom(next.get(), pageSize, maxKeys, consistency, collected);
        });
    }

    /** The status of whichever node answers first (the cached leader under {@link Routing#LEADER}). */
    public CompletableFuture<StatusResponse> status() {
        return caller.call(false, null, caller.newOperationDeadline(), KvGrpc.getStatusMethod(),
                StatusRequest::getDefaultInstance, StatusResponse::getHeader, statusHandler());
    }

    /** The status of the node at {@code address} only, retried there within the operation timeout. */
    public CompletableFuture<StatusResponse> status(String address) {
        Endpoints.requireHostPort(address);
        return caller.call(false, address, caller.newOperationDeadline(), KvGrpc.getStatusMethod(),
                StatusRequest::getDefaultInstance, StatusResponse::getHeader, statusHandler());
    }

    private AnswerHandler<StatusResponse, StatusResponse> statusHandler() {
        return new AnswerHandler<>() {
            private final AnswerHandler<StatusResponse, StatusResponse> plain = Answers.read(r -> r);

            @Override
            public StatusResponse onResponse(StatusResponse response, Attempt attempt) {
                nodes.observeStatus(attempt.address(), response);
                return response;
            }

            @Override
            public RuntimeException onError(io.grpc.StatusRuntimeException error, Attempt attempt) {
                return plain.onError(error, attempt);
            }
        };
    }

    /** The node addresses known now: the given endpoints, then those learned from the cluster. */
    public List<String> knownAddresses() {
        return nodes.addresses();
    }

    /** The cached leader's address, if one is known. */
    public Optional<String> leaderAddress() {
        return Optional.ofNullable(nodes.leaderAddress());
    }

    /**
     * Stops retrying and closes every channel, waiting up to five seconds for calls in
     * flight. Pending operations fail with a {@link RaftKvException}; a write among them may
     * still be applied. Idempotent.
     */
    @Override
    public void close() {
        caller.close();
        nodes.close(Duration.ofSeconds(5));
    }
}
