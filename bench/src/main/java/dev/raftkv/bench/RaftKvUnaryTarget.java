package dev.raftkv.bench;

import com.google.protobuf.ByteString;
import dev.raftkv.client.cli.BenchTarget;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.GetResponse;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.WriteResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * raftkv's {@code raftkv.v1.Kv} API as one unary call per operation over raw async stubs, what
 * etcd's clients do: {@code Kv.Put} without a session (no exactly-once bookkeeping, as etcd's puts
 * have none) and {@code Kv.Get} with {@code LINEARIZABLE} consistency. Requests go round-robin to
 * every node (a follower forwards writes to the leader and serves reads by ReadIndex); each call has
 * a deadline. Thread-safe.
 */
final class RaftKvUnaryTarget implements BenchTarget, AutoCloseable {

    private final Channels<KvGrpc.KvStub> nodes;
    private final long deadlineMillis;

    /**
     * @param endpoints each node's client address as {@code host:port}
     * @param callDeadline the deadline of each call
     */
    RaftKvUnaryTarget(List<String> endpoints, Duration callDeadline) {
        this.nodes = new Channels<>(endpoints, KvGrpc::newStub);
        this.deadlineMillis = callDeadline.toMillis();
    }

    @Override
    public CompletableFuture<WriteResponse> put(ByteString key, ByteString value) {
        UnaryCall<WriteResponse> call = new UnaryCall<>();
        nodes.next().withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(key).setValue(value).build(), call);
        return call.answer();
    }

    @Override
    public CompletableFuture<GetResponse> get(ByteString key) {
        UnaryCall<GetResponse> call = new UnaryCall<>();
        nodes.next().withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .get(GetRequest.newBuilder().setKey(key).setConsistency(Consistency.LINEARIZABLE).build(), call);
        return call.answer();
    }

    @Override
    public void close() {
        nodes.close();
    }
}
