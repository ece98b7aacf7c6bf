package dev.raftkv.linearizability;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Add;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CompareAndSet;
import dev.raftkv.proto.Delete;
import dev.raftkv.proto.Put;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random histories that are linearizable by construction: operations run one at a time
 * against a real {@link KvStateMachine}, the i-th at instant {@code 10 * i}, and each
 * gets a call and return time around its instant, so intervals overlap at random but
 * always contain the instant at which the operation took effect. Some operations time
 * out: their outcome is dropped, and they took effect or not, at random.
 */
final class HistoryGenerator {

    /**
     * @param maxSkew how far a call may precede, and a return follow, the operation's
     *     instant; instants are 10 apart, so about {@code maxSkew / 5} operations overlap
     */
    record Shape(int operations, int keys, int clients, long maxSkew, double unknownRate) {}

    private static final String[] VALUES = {
        "a", "b", "c", "", "0", "1", "-7", "+5", "007", " 1", "9223372036854775806", "\u0663",
    };

    private final Random random;
    private final KvStateMachine machine = new KvStateMachine();
    private long index;

    private HistoryGenerator(Random random) {
        this.random = random;
    }

    static List<Operation> generate(Random random, Shape shape) {
        return new HistoryGenerator(random).run(shape);
    }

    private List<Operation> run(Shape shape) {
        List<Operation> history = new ArrayList<>(shape.operations());
        for (int i = 0; i < shape.operations(); i++) {
            long instant = 10L * i;
            long call = instant - random.nextInt((int) shape.maxSkew() + 1);
            long ret = instant + random.nextInt((int) shape.maxSkew() + 1);
            int client = i % shape.clients();
            ByteString key = ByteString.copyFromUtf8("key" + random.nextInt(shape.keys()));
            boolean timedOut = random.nextDouble() < shape.unknownRate();
            boolean tookEffect = !timedOut || random.nextBoolean();
            if (random.nextInt(10) < 3) {
                ByteString value = machine.get(key).orElse(null);
                history.add(timedOut
                        ? Operation.timedOut(client, key, Input.get(), call)
                        : Operation.completed(client, key, Input.get(), Output.value(value), call, ret));
                continue;
            }
            Command command = command(key);
            CommandResult result = tookEffect ? machine.apply(++index, command) : null;
            history.add(timedOut
                    ? Operation.timedOut(client, command, call)
                    : Operation.completed(client, command, result, call, ret));
        }
        return history;
    }

    private Command command(ByteString key) {
        Command.Builder command = Command.newBuilder();
        switch (random.nextInt(4)) {
            case 0 -> command.setPut(Put.newBuilder().setKey(key).setValue(value()));
            case 1 -> command.setDelete(Delete.newBuilder().setKey(key));
            case 2 -> command.setAdd(Add.newBuilder().setKey(key)
                    .setDelta(random.nextInt(20) == 0 ? Long.MAX_VALUE / 2 : random.nextInt(7) - 3));
            default -> {
                CompareAndSet.Builder cas = CompareAndSet.newBuilder().setKey(key).setNewValue(value());
                int choice = random.nextInt(3);
                if (choice == 0) {
                    cas.setExpectAbsent(true);
                } else {
                    // Half the time expect what is there, so that CAS succeeds often.
                    ByteString current = machine.get(key).orElse(null);
                    cas.setExpectedValue(choice == 1 && current != null ? current : value());
                }
                command.setCompareAndSet(cas);
            }
        }
        return command.build();
    }

    private ByteString value() {
        return ByteString.copyFromUtf8(VALUES[random.nextInt(VALUES.length)]);
    }

    /**
     * The history with one completed operation that reports a value (GET, PUT, DELETE, a
     * CAS mismatch) changed to report one no operation ever wrote: certainly not
     * linearizable. Returns the position changed, or -1 if no operation reports a value.
     */
    static int corruptWithValueNeverWritten(List<Operation> history, Random random) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            Output output = history.get(i).output();
            if (output instanceof Output.Value || output instanceof Output.CasMismatch) {
                candidates.add(i);
            }
        }
        if (candidates.isEmpty()) {
            return -1;
        }
        int position = candidates.get(random.nextInt(candidates.size()));
        Operation original = history.get(position);
        ByteString ghost = ByteString.copyFromUtf8("never written " + position);
        Output corrupt = original.output() instanceof Output.Value ? Output.value(ghost) : Output.casMismatch(ghost);
        history.set(position, new Operation(original.clientId(), original.key(), original.input(), corrupt,
                original.callTime(), original.returnTime()));
        return position;
    }
}
