package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The linearizability search over the operations on one key: the depth-first search of
 * Wing &amp; Gong (1993) with Lowe's memoization, as in Porcupine, extended for operations
 * with unknown outcomes.
 *
 * <p>The call and return events of the operations that returned sit in a doubly linked
 * list in time order. Walking it from the front, a call event is an operation that may
 * take effect next: if the model accepts its output in the current state and the
 * configuration reached is new, it is taken (linearized), its events are unlinked and
 * the walk restarts at the front; otherwise the walk moves on. Reaching a return event
 * means that operation must take effect before anything called later, and it cannot
 * yet. Only then are operations with unknown outcomes tried (any called by that return),
 * since their only use is to change the state for a later output; when none helps, the
 * last choice is undone (its events relinked in place) and the walk resumes after it.
 * The history is linearizable when every operation that returned has been taken; the
 * unknown ones left over go at the end, where taking effect or not is the same.
 *
 * <p>Two reductions keep pending unknown outcomes from making the search exponential:
 * <ul>
 * <li>A configuration is (operations taken, state). One that took a subset of the
 *     unknown operations of another, with the same returned operations and state, can
 *     do everything the other can; so the memo prunes a configuration when it has seen
 *     one with the same returned operations and state and a subset of its unknowns.</li>
 * <li>Unknown operations with equal inputs are interchangeable once called, so they are
 *     taken in call order only.</li>
 * </ul>
 *
 * <p>Single use, single thread.
 */
final class KeySearch {

    private static final int SHOWN_PREFIX = 12;
    private static final int SHOWN_PENDING = 8;

    private final ByteString key;
    private final List<Operation> operations;
    private final long maxSteps;
    private final Event head = new Event(-1, true);
    /** Operations with unknown outcomes, by call time; "unknown position" indexes this. */
    private final int[] unknownByCall;
    /** Per unknown position, the previous one with an equal input, else -1. */
    private final int[] twinBefore;
    /** Per operation, its bit in {@link #returnedTaken}, for operations that returned. */
    private final int[] returnedBit;
    private final long[] returnedTaken;
    private final long[] unknownTaken;
    /** (returned operations taken, state) to the minimal sets of unknown operations seen with it. */
    private final Map<Memo, List<long[]>> seen = new HashMap<>();
    private final Deque<Choice> choices = new ArrayDeque<>();

    private int deepest;
    private List<Choice> deepestPrefix = List.of();
    private String blockedAtDeepest = "";

    /** An event of the list: the call or the return of an operation that returned. */
    private static final class Event {
        final int operation;
        final boolean call;
        Event match;
        Event previous;
        Event next;

        Event(int operation, boolean call) {
            this.operation = operation;
            this.call = call;
        }
    }

    /**
     * An operation taken, with the state before and after. For an operation that
     * returned, {@code call} is its event; for an unknown one, {@code unknownPosition}
     * and the return event at which it was tried.
     */
    private record Choice(int operation, Event call, int unknownPosition, Event blockedAt, KvModel.State before,
            KvModel.State after) {}

    private record Memo(long[] returnedTaken, KvModel.State state) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Memo other && Arrays.equals(returnedTaken, other.returnedTaken)
                    && state.equals(other.state);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(returnedTaken) * 31 + state.hashCode();
        }
    }

    /**
     * @param operations all on {@code key}; GETs with unknown outcomes are best left out
     *     (they change nothing and report nothing)
     */
    KeySearch(ByteString key, List<Operation> operations, long maxSteps) {
        this.key = key;
        this.operations = operations;
        this.maxSteps = maxSteps;
        this.returnedBit = new int[operations.size()];
        List<Integer> unknown = new ArrayList<>();
        int returned = 0;
        for (int i = 0; i < operations.size(); i++) {
            if (operations.get(i).outcomeUnknown()) {
                unknown.add(i);
            } else {
                returnedBit[i] = returned++;
            }
        }
        unknown.sort(Comparator.comparingLong((Integer i) -> operations.get(i).callTime()).thenComparing(i -> i));
        this.unknownByCall = unknown.stream().mapToInt(Integer::intValue).toArray();
        this.twinBefore = new int[unknownByCall.length];
        Map<Input, Integer> lastWithInput = new HashMap<>();
        for (int position = 0; position < unknownByCall.length; position++) {
            Integer twin = lastWithInput.put(operations.get(unknownByCall[position]).input(), position);
            twinBefore[position] = twin == null ? -1 : twin;
        }
        this.returnedTaken = new long[(returned + 63) / 64];
        this.unknownTaken = new long[(unknownByCall.length + 63) / 64];
        link();
    }

    /**
     * Events in time order; at equal times calls come first, so operations whose
     * intervals touch count as concurrent (intervals are closed).
     */
    private void link() {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            if (!operations.get(i).outcomeUnknown()) {
                Event call = new Event(i, true);
                call.match = new Event(i, false);
                events.add(call);
                events.add(call.match);
            }
        }
        events.sort(Comparator.comparingLong(this::time).thenComparing(event -> !event.call));
        Event last = head;
        for (Event event : events) {
            last.next = event;
            event.previous = last;
            last = event;
        }
    }

    private long time(Event event) {
        Operation operation = operations.get(event.operation);
        return event.call ? operation.callTime() : operation.returnTime();
    }

    CheckResult run() {
        int toTake = operations.size() - unknownByCall.length;
        KvModel.State state = KvModel.State.ABSENT;
        Event event = head.next;
        int nextUnknown = 0;
        long steps = 0;
        while (toTake > 0) {
            if (++steps > maxSteps) {
                return new CheckResult(CheckResult.Verdict.UNKNOWN, key, "budget exhausted after " + maxSteps
                        + " steps on " + operations.size() + " operations; " + describeDeepest());
            }
            if (event == null) {
                // Unreachable: the return of every operation still to take lies ahead of the walk.
                throw new IllegalStateException("walked past every event with " + toTake + " operations to place");
            }
            if (event.call) {
                Operation operation = operations.get(event.operation);
                KvModel.State after = KvModel.step(state, operation.input(), operation.output());
                if (after != null && take(returnedTaken, returnedBit[event.operation], after)) {
                    choices.push(new Choice(event.operation, event, -1, null, state, after));
                    state = after;
                    unlink(event);
                    toTake--;
                    recordDepth();
                    event = head.next;
                    nextUnknown = 0;
                } else {
                    event = event.next;
                }
                continue;
            }
            int position = nextUnknownToTry(nextUnknown, time(event));
            if (position >= 0) {
                int operation = unknownByCall[position];
                KvModel.State after = KvModel.step(state, operations.get(operation).input(), null);
                if (take(unknownTaken, position, after)) {
                    choices.push(new Choice(operation, null, position, event, state, after));
                    state = after;
                    recordDepth();
                    event = head.next;
                    nextUnknown = 0;
                } else {
                    nextUnknown = position + 1;
                }
                continue;
            }
            if (choices.size() == deepest && blockedAtDeepest.isEmpty()) {
                blockedAtDeepest = describeBlocked(event, state);
            }
            if (choices.isEmpty()) {
                break;
            }
            Choice undone = choices.pop();
            state = undone.before();
            if (undone.call() != null) {
                clear(returnedTaken, returnedBit[undone.operation()]);
                relink(undone.call());
                toTake++;
                event = undone.call().next;
                nextUnknown = 0;
            } else {
                clear(unknownTaken, undone.unknownPosition());
                event = undone.blockedAt();
                nextUnknown = undone.unknownPosition() + 1;
            }
        }
        if (toTake == 0) {
            return CheckResult.LINEARIZABLE;
        }
        return new CheckResult(CheckResult.Verdict.NOT_LINEARIZABLE, key, describeDeepest());
    }

    /** The first unknown position from {@code from} called by {@code horizon}, not taken, whose twin is taken; else -1. */
    private int nextUnknownToTry(int from, long horizon) {
        for (int position = from; position < unknownByCall.length; position++) {
            if (operations.get(unknownByCall[position]).callTime() > horizon) {
                return -1;
            }
            if (!isSet(unknownTaken, position) && (twinBefore[position] < 0 || isSet(unknownTaken, twinBefore[position]))) {
                return position;
            }
        }
        return -1;
    }

    /**
     * Sets {@code bit} in {@code taken} and tells whether the configuration reached is
     * new: not dominated by one seen (same returned operations and state, a subset of
     * the unknown operations). If it is not new, the bit is cleared again.
     */
    private boolean take(long[] taken, int bit, KvModel.State after) {
        set(taken, bit);
        List<long[]> minimal = seen.get(new Memo(returnedTaken, after));
        if (minimal == null) {
            minimal = new ArrayList<>(1);
            seen.put(new Memo(returnedTaken.clone(), after), minimal);
        } else {
            for (long[] unknowns : minimal) {
                if (subset(unknowns, unknownTaken)) {
                    clear(taken, bit);
                    return false;
                }
            }
            minimal.removeIf(unknowns -> subset(unknownTaken, unknowns));
        }
        minimal.add(unknownTaken.clone());
        return true;
    }

    private static boolean subset(long[] small, long[] large) {
        for (int i = 0; i < small.length; i++) {
            if ((small[i] & ~large[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSet(long[] bits, int bit) {
        return (bits[bit >>> 6] & (1L << bit)) != 0;
    }

    private static void set(long[] bits, int bit) {
        bits[bit >>> 6] |= 1L << bit;
    }

    private static void clear(long[] bits, int bit) {
        bits[bit >>> 6] &= ~(1L << bit);
    }

    /** Unlinks a call and its return; {@link #relink} undoes it (in reverse order, as dancing links need). */
    private static void unlink(Event call) {
        call.previous.next = call.next;
        if (call.next != null) {
            call.next.previous = call.previous;
        }
        Event ret = call.match;
        ret.previous.next = ret.next;
        if (ret.next != null) {
            ret.next.previous = ret.previous;
        }
    }

    private static void relink(Event call) {
        Event ret = call.match;
        ret.previous.next = ret;
        if (ret.next != null) {
            ret.next.previous = ret;
        }
        call.previous.next = call;
        if (call.next != null) {
            call.next.previous = call;
        }
    }

    private void recordDepth() {
        if (choices.size() > deepest) {
            deepest = choices.size();
            List<Choice> prefix = new ArrayList<>(choices);
            Collections.reverse(prefix);
            deepestPrefix = prefix;
            blockedAtDeepest = "";
        }
    }

    private String describeBlocked(Event ret, KvModel.State state) {
        StringBuilder text = new StringBuilder("then, in state ").append(state).append(", no pending operation")
                .append(" could take effect before\n    ").append(operations.get(ret.operation))
                .append(" returned; pending:");
        int shown = 0;
        for (Event event = head.next; event != ret && event != null; event = event.next) {
            if (event.call) {
                if (shown++ == SHOWN_PENDING) {
                    text.append("\n    ...");
                    break;
                }
                text.append("\n    ").append(operations.get(event.operation));
            }
        }
        long unknownPending = Arrays.stream(unknownByCall).filter(i -> operations.get(i).callTime() <= time(ret))
                .count();
        if (unknownPending > 0) {
            text.append("\n    and ").append(unknownPending).append(" operations with unknown outcomes called by then");
        }
        return text.toString();
    }

    private String describeDeepest() {
        StringBuilder text = new StringBuilder("longest linearizable prefix found has ")
                .append(deepest).append(" of ").append(operations.size()).append(" operations on key ")
                .append(Keys.describe(key)).append(':');
        int skipped = Math.max(0, deepestPrefix.size() - SHOWN_PREFIX);
        if (skipped > 0) {
            text.append("\n    ... ").append(skipped).append(" earlier");
        }
        for (Choice choice : deepestPrefix.subList(skipped, deepestPrefix.size())) {
            text.append("\n    ").append(operations.get(choice.operation())).append("   => ").append(choice.after());
        }
        return text.append('\n').append(blockedAtDeepest).toString();
    }
}
