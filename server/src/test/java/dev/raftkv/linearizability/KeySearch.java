package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.Keys;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The linearizability search over the operations on one key (Wing &amp; Gong 1993, with
 * Lowe's memoization, as in Porcupine). Call and return events sit in a doubly linked
 * list in time order. Walking it from the front, a call event is an operation that may
 * take effect next: if the model accepts it in the current state and the pair (set of
 * operations taken effect, resulting state) was never reached before, it is taken
 * (linearized), its events are unlinked, and the walk restarts at the front; otherwise
 * the walk moves on. Reaching a return event means that operation had to take effect
 * before it returned and cannot: the last choice is undone (its events relinked in
 * place) and the walk continues after it. The history is linearizable when every
 * operation that returned has taken effect; operations with unknown outcomes left over
 * are placed at the end, where taking effect or not is indistinguishable.
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
    private final long[] linearized;
    private final Set<Memo> seen = new HashSet<>();
    private final Deque<Choice> choices = new ArrayDeque<>();

    private int deepest;
    private List<Choice> deepestPrefix = List.of();
    private String blockedAtDeepest = "";

    /** An event of the list; a call links to its return, which is null for an unknown outcome. */
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

    /** An operation taken, with the state before it. */
    private record Choice(Event call, KvModel.State before, KvModel.State after) {}

    private record Memo(long[] linearized, KvModel.State state) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Memo other && Arrays.equals(linearized, other.linearized) && state.equals(other.state);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(linearized) * 31 + state.hashCode();
        }
    }

    KeySearch(ByteString key, List<Operation> operations, long maxSteps) {
        this.key = key;
        this.operations = operations;
        this.maxSteps = maxSteps;
        this.linearized = new long[(operations.size() + 63) / 64];
        link();
    }

    /**
     * Events in time order; at equal times calls come first, so operations whose
     * intervals touch count as concurrent (intervals are closed).
     */
    private void link() {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            Event call = new Event(i, true);
            events.add(call);
            if (!operations.get(i).outcomeUnknown()) {
                call.match = new Event(i, false);
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
        int toLinearize = (int) operations.stream().filter(operation -> !operation.outcomeUnknown()).count();
        KvModel.State state = KvModel.State.ABSENT;
        Event event = head.next;
        long steps = 0;
        while (toLinearize > 0) {
            if (++steps > maxSteps) {
                return new CheckResult(CheckResult.Verdict.UNKNOWN, key, "budget exhausted after " + maxSteps
                        + " steps on " + operations.size() + " operations; " + describeDeepest());
            }
            if (event == null) {
                throw new IllegalStateException("walked past every event with operations left to place");
            }
            if (event.call) {
                Operation operation = operations.get(event.operation);
                KvModel.State after = KvModel.step(state, operation.input(), operation.output());
                if (after != null && firstVisit(event.operation, after)) {
                    choices.push(new Choice(event, state, after));
                    state = after;
                    unlink(event);
                    if (event.match != null) {
                        toLinearize--;
                    }
                    recordDepth();
                    event = head.next;
                } else {
                    event = event.next;
                }
            } else {
                if (choices.size() == deepest && blockedAtDeepest.isEmpty()) {
                    blockedAtDeepest = describeBlocked(event, state);
                }
                if (choices.isEmpty()) {
                    break;
                }
                Choice undone = choices.pop();
                state = undone.before();
                clear(undone.call().operation);
                relink(undone.call());
                if (undone.call().match != null) {
                    toLinearize++;
                }
                event = undone.call().next;
            }
        }
        if (toLinearize == 0) {
            return CheckResult.LINEARIZABLE;
        }
        return new CheckResult(CheckResult.Verdict.NOT_LINEARIZABLE, key, describeDeepest());
    }

    /** Marks {@code operation} taken and tells whether (taken set, state) is new; unmarks it if not. */
    private boolean firstVisit(int operation, KvModel.State after) {
        linearized[operation >>> 6] |= 1L << operation;
        if (seen.add(new Memo(linearized.clone(), after))) {
            return true;
        }
        clear(operation);
        return false;
    }

    private void clear(int operation) {
        linearized[operation >>> 6] &= ~(1L << operation);
    }

    /** Unlinks a call and its return; {@link #relink} undoes it (in reverse order, as dancing links need). */
    private static void unlink(Event call) {
        call.previous.next = call.next;
        if (call.next != null) {
            call.next.previous = call.previous;
        }
        Event ret = call.match;
        if (ret != null) {
            ret.previous.next = ret.next;
            if (ret.next != null) {
                ret.next.previous = ret.previous;
            }
        }
    }

    private static void relink(Event call) {
        Event ret = call.match;
        if (ret != null) {
            ret.previous.next = ret;
            if (ret.next != null) {
                ret.next.previous = ret;
            }
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
            java.util.Collections.reverse(prefix);
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
        return text.toString();
    }

    private String describeDeepest() {
        StringBuilder text = new StringBuilder("longest linearizable prefix found has ")
                .append(Math.max(deepest, 0)).append(" of ").append(operations.size()).append(" operations on key ")
                .append(Keys.describe(key)).append(':');
        int skipped = Math.max(0, deepestPrefix.size() - SHOWN_PREFIX);
        if (skipped > 0) {
            text.append("\n    ... ").append(skipped).append(" earlier");
        }
        for (Choice choice : deepestPrefix.subList(skipped, deepestPrefix.size())) {
            text.append("\n    ").append(operations.get(choice.call().operation)).append("   => ").append(choice.after());
        }
        return text.append('\n').append(blockedAtDeepest).toString();
    }
}
