/**
 * The raftkv Java client.
 *
 * <p>{@link dev.raftkv.client.RaftKvClient} is the asynchronous client and
 * {@link dev.raftkv.client.BlockingRaftKvClient} its blocking view; both are built from
 * {@link dev.raftkv.client.ClientOptions} (a {@code host:port} list, per-call and
 * per-operation timeouts, backoff, routing). The client finds and caches the leader from
 * answer headers, {@code Status} member lists and the leader trailers of {@code UNAVAILABLE}
 * answers; it retries what the protocol says is safe to retry
 * ({@code UNAVAILABLE}, {@code RESOURCE_EXHAUSTED}, {@code DEADLINE_EXCEEDED}) with the
 * same write header, so a write applies at most once (Ongaro thesis §6.3).
 *
 * <p>Failures are {@link dev.raftkv.client.RaftKvException}s: typed results of the state
 * machine ({@link dev.raftkv.client.CasMismatchException},
 * {@link dev.raftkv.client.NotANumberException}, {@link dev.raftkv.client.OverflowException}),
 * requests the server refused ({@link dev.raftkv.client.InvalidArgumentException}), no
 * answer in time ({@link dev.raftkv.client.UnavailableException}) and writes whose outcome
 * is unknown ({@link dev.raftkv.client.OutcomeUnknownException}).
 *
 * <p>Inside: {@code NodeDirectory} (addresses, channels, leader cache), {@code RetryLoop}
 * (one operation's attempts), {@code Answers} (answers to results), {@code SessionManager}
 * and {@code ClientSession} (sessions and sequence numbers), {@code Writes} (writes under a
 * session).
 */
package dev.raftkv.client;
