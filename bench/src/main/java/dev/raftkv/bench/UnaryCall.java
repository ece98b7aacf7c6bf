package dev.raftkv.bench;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The answer of one unary call made on an async stub, as a future: completed on gRPC's
 * callback thread with the response, or with the call's {@link io.grpc.StatusRuntimeException}.
 *
 * @param <R> the response type
 */
final class UnaryCall<R> implements StreamObserver<R> {

    private final CompletableFuture<R> answer = new CompletableFuture<>();

    CompletableFuture<R> answer() {
        return answer;
    }

    @Override
    public void onNext(R response) {
        answer.complete(response);
    }

    @Override
    public void onError(Throwable error) {
        answer.completeExceptionally(error);
    }

    @Override
    public void onCompleted() {
        // onNext completed the future; a unary call without a response ends in onError
    }
}
