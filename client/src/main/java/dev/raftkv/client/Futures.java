package dev.raftkv.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Small helpers so the futures the client returns fail with its own exceptions, unwrapped. */
final class Futures {

    private Futures() {
    }

    /** The cause behind {@link CompletionException} / {@link ExecutionException} wrappers. */
    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A future that completes like {@code future}, but with unwrapped failures. */
    static <T> CompletableFuture<T> unwrapped(CompletableFuture<T> future) {
        CompletableFuture<T> out = new CompletableFuture<>();
        future.whenComplete((value, error) -> {
            if (error == null) {
                out.complete(value);
            } else {
                out.completeExceptionally(unwrap(error));
            }
        });
        return out;
    }
}
