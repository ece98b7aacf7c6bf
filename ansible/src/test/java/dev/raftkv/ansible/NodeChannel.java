package dev.raftkv.ansible;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.KeyValuePair;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.ScanRequest;
import dev.raftkv.proto.ScanResponse;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to exactly one node: reads served by that node alone (serializable), so a
 * check of its replica cannot be answered by another node.
 */
final class NodeChannel implements AutoCloseable {

    private final String address;
    private final ManagedChannel channel;

    NodeChannel(String address) {
        this.address = address;
        this.channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
    }

    String address() {
        return address;
    }

    StatusResponse status(Duration deadline) {
        return KvGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance());
    }

    KvGrpc.KvFutureStub futureStub() {
        return KvGrpc.newFutureStub(channel);
    }

    /** Every key with {@code prefix} in this node's replica, read locally (serializable). */
    Map<String, String> scanLocal(String prefix) {
        Map<String, String> found = new LinkedHashMap<>();
        ByteString start = ByteString.EMPTY;
        ByteString end = ByteString.EMPTY;
        boolean first = true;
        while (true) {
            ScanRequest.Builder request = ScanRequest.newBuilder().setLimit(1000)
                    .setConsistency(Consistency.SERIALIZABLE);
            if (first) {
                request.setPrefix(ByteString.copyFromUtf8(prefix));
            } else {
                request.setStartKey(start).setEndKey(end);
            }
            ScanResponse response = KvGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .scan(request.build());
            ByteString last = null;
            for (KeyValuePair pair : response.getPairsList()) {
                found.put(pair.getKey().toString(StandardCharsets.UTF_8), pair.getValue().toString(StandardCharsets.UTF_8));
                last = pair.getKey();
            }
            if (!response.getMore() || last == null) {
                return found;
            }
            // continue after the last key, up to the end of the prefix range
            start = last.concat(ByteString.copyFrom(new byte[] {0}));
            end = prefixEnd(prefix);
            first = false;
        }
    }

    private static ByteString prefixEnd(String prefix) {
        byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 1]++;
        return ByteString.copyFrom(bytes);
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
