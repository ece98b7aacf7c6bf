package dev.raftkv.client.fake;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * What a fake node does instead of answering normally, to the next request of one method.
 *
 * @param method the bare method name it applies to
 * @param key the request key it applies to, or null for any request of the method
 * @param kind what happens
 * @param code the status code a failing kind answers with
 * @param release for {@link Kind#HOLD}: the answer goes out when this completes
 */
public record Fault(String method, ByteString key, Kind kind, Status.Code code, CompletableFuture<Void> release) {

    public enum Kind {
        /** Fail without applying anything. */
        FAIL,
        /** Apply the write, then fail: the reply is lost. */
        APPLY_THEN_FAIL,
        /** Apply the write, expire its session, then fail: a retry finds the session gone. */
        APPLY_EXPIRE_THEN_FAIL,
        /** Apply the write and hold the answer until released (never, if never released). */
        HOLD
    }

    public static Fault fail(String method, Status.Code code) {
        return new Fault(method, null, Kind.FAIL, code, null);
    }

    public static Fault loseReply(String method, Status.Code code) {
        return new Fault(method, null, Kind.APPLY_THEN_FAIL, code, null);
    }

    public static Fault expireSessionAndLoseReply(String method, Status.Code code) {
        return new Fault(method, null, Kind.APPLY_EXPIRE_THEN_FAIL, code, null);
    }

    /** Holds the answer to the next request of {@code method} for {@code key}. */
    public static Fault hold(String method, ByteString key) {
        return new Fault(method, key, Kind.HOLD, Status.Code.OK, new CompletableFuture<>());
    }
}
