/**
 * A linearizability checker for histories of client operations on the key-value store,
 * for the deterministic cluster simulation and any test that records what clients saw.
 *
 * <p>A test records each client {@link dev.raftkv.linearizability.Operation} (key,
 * {@link dev.raftkv.linearizability.Input}, {@link dev.raftkv.linearizability.Output},
 * call and return time; an operation the client gave up on has an unknown outcome) and
 * asks {@link dev.raftkv.linearizability.LinearizabilityChecker#check} for a
 * {@link dev.raftkv.linearizability.CheckResult}. The checker splits the history by key
 * (linearizability is compositional) and runs, per key, the depth-first search of Wing
 * &amp; Gong with the memoization of Lowe and of Porcupine (anishathalye/porcupine) over
 * {@code KvModel}, an independent sequential model of one key of
 * {@code dev.raftkv.kv.KvStateMachine}. A per-key step budget turns a search that would
 * take too long into an "unknown" verdict, which callers treat as a failure to look at.
 */
package dev.raftkv.linearizability;
