package dev.raftkv.bench;

import com.google.protobuf.ByteString;
import dev.raftkv.client.cli.BenchTarget;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd's v3 KV API ({@code etcdserverpb.KV}) over raw async stubs: a put is {@code KV.Put}, a get
 * {@code KV.Range} of one key with {@code serializable=false}, the default, which etcd serves
 * linearizably (ReadIndex) on any member. Requests go round-robin to every member; each call has
 * a deadline. Thread-safe.
 */
final class EtcdTarget implements BenchTarget, AutoCloseable {

    private final Channels<KVGrpc.KVStub> members;
    private final long deadlineMillis;

    /**
     * @param endpoints each member's client URL as {@code host:port}
     * @param callDeadline the deadline of each call
     */
    EtcdTarget(List<String> endpoints, Duration callDeadline) {
        this.members = new Channels<>(endpoints, KVGrpc::newStub);
        this.deadlineMillis = callDeadline.toMillis();
    }

    @Override
    public CompletableFuture<PutResponse> put(ByteString key, ByteString value) {
        UnaryCall<PutResponse> call = new UnaryCall<>();
        members.next().withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(key).setValue(value).build(), call);
        return call.answer();
    }

    @Override
    public CompletableFuture<RangeResponse> get(ByteString key) {
        UnaryCall<RangeResponse> call = new UnaryCall<>();
        members.next().withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .range(RangeRequest.newBuilder().setKey(key).build(), call);
        return call.answer();
    }

    @Override
    public void close() {
        members.close();
    }
}
