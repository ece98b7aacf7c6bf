package dev.raftkv.linearizability;

import static dev.raftkv.linearizability.LinearizabilityCheckerTest.b;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.linearizability.KvModel.State;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KvModelTest {

    private static final State ABSENT = State.ABSENT;
    /** Marks a row whose output the model must reject. */
    private static final State ILLEGAL = null;

    private static State s(String value) {
        return new State(b(value));
    }

    static Stream<Arguments> steps() {
        return Stream.of(
            // state, input, output (null: unknown), next state
            Arguments.of(ABSENT, Input.get(), Output.absent(), ABSENT),
            Arguments.of(s("a"), Input.get(), Output.value(b("a")), s("a")),
            Arguments.of(s("a"), Input.get(), Output.absent(), ILLEGAL),
            Arguments.of(s("a"), Input.get(), null, s("a")),
            Arguments.of(ABSENT, Input.put(b("a")), Output.absent(), s("a")),
            Arguments.of(s("a"), Input.put(b("b")), Output.value(b("a")), s("b")),
            Arguments.of(s("a"), Input.put(b("b")), Output.absent(), ILLEGAL),
            Arguments.of(s("a"), Input.put(b("b")), null, s("b")),
            Arguments.of(s("a"), Input.delete(), Output.value(b("a")), ABSENT),
            Arguments.of(ABSENT, Input.delete(), Output.absent(), ABSENT),
            Arguments.of(ABSENT, Input.delete(), Output.value(b("a")), ILLEGAL),
            Arguments.of(ABSENT, Input.add(-3), Output.number(-3), s("-3")),
            Arguments.of(s("+007"), Input.add(1), Output.number(8), s("8")),
            Arguments.of(s("7"), Input.add(1), Output.number(7), ILLEGAL),
            Arguments.of(s("x"), Input.add(1), Output.notANumber(), s("x")),
            Arguments.of(s(" 1"), Input.add(1), Output.notANumber(), s(" 1")),
            Arguments.of(s("\u0663"), Input.add(1), Output.notANumber(), s("\u0663")),
            Arguments.of(s("1"), Input.add(1), Output.notANumber(), ILLEGAL),
            Arguments.of(s("9223372036854775807"), Input.add(1), Output.overflow(), s("9223372036854775807")),
            Arguments.of(s("-9223372036854775808"), Input.add(-1), Output.overflow(), s("-9223372036854775808")),
            Arguments.of(s("9223372036854775808"), Input.add(-1), Output.notANumber(), s("9223372036854775808")),
            Arguments.of(s("1"), Input.add(1), Output.overflow(), ILLEGAL),
            Arguments.of(s("x"), Input.add(1), null, s("x")),
            Arguments.of(s("1"), Input.add(1), null, s("2")),
            Arguments.of(ABSENT, Input.casAbsent(b("n")), Output.casOk(), s("n")),
            Arguments.of(s("a"), Input.casAbsent(b("n")), Output.casMismatch(b("a")), s("a")),
            Arguments.of(s("a"), Input.casAbsent(b("n")), Output.casOk(), ILLEGAL),
            Arguments.of(s("a"), Input.cas(b("a"), b("n")), Output.casOk(), s("n")),
            Arguments.of(s("a"), Input.cas(b("z"), b("n")), Output.casMismatch(b("a")), s("a")),
            Arguments.of(s("a"), Input.cas(b("z"), b("n")), Output.casMismatch(b("z")), ILLEGAL),
            Arguments.of(ABSENT, Input.cas(b(""), b("n")), Output.casMismatch(null), ABSENT),
            Arguments.of(s(""), Input.cas(b(""), b("n")), Output.casOk(), s("n")),
            Arguments.of(s("a"), Input.cas(b("a"), b("n")), null, s("n")));
    }

    @ParameterizedTest(name = "in {0}: {1} -> {2} gives {3}")
    @MethodSource("steps")
    void step_follows_the_state_machine_semantics(State state, Input input, Output output, State next) {
        assertThat(KvModel.step(state, input, output)).isEqualTo(next);
    }
}
