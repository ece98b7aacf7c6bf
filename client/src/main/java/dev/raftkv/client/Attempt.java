package dev.raftkv.client;

/**
 * One attempt of an operation, as its {@link AnswerHandler} sees it.
 *
 * @param number 1 for the first attempt
 * @param address the node it went to
 * @param earlierMaybeApplied whether an earlier attempt of the same write may have reached
 *     the leader (it failed in a way that does not rule that out); false for reads
 */
record Attempt(int number, String address, boolean earlierMaybeApplied) {
}
