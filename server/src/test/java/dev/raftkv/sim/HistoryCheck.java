package dev.raftkv.sim;

import dev.raftkv.linearizability.CheckResult;
import dev.raftkv.linearizability.Input;
import dev.raftkv.linearizability.LinearizabilityChecker;
import dev.raftkv.linearizability.Operation;
import dev.raftkv.linearizability.Output;
import java.util.ArrayList;
import java.util.List;

/** Turns the simulated clients' history into the checker's operations and checks it is linearizable. */
final class HistoryCheck {

    private HistoryCheck() {
    }

    /** Null when the history is linearizable, else why not. */
    static String check(List<HistoryOp> history) {
        List<Operation> operations = new ArrayList<>(history.size());
        for (HistoryOp op : history) {
            operations.add(toOperation(op));
        }
        CheckResult result = LinearizabilityChecker.check(operations);
        return result.isLinearizable() ? null : "history is not linearizable: " + result;
    }

    private static Operation toOperation(HistoryOp op) {
        int client = Integer.parseInt(op.clientId.substring(1));
        if (op.kind == HistoryOp.Kind.GET) {
            if (!op.completed) {
                return Operation.timedOut(client, op.key, Input.get(), op.callMillis);
            }
            Output read = op.output == null ? Output.absent() : Output.value(op.output);
            return Operation.completed(client, op.key, Input.get(), read, op.callMillis, op.returnMillis);
        }
        if (!op.completed) {
            return Operation.timedOut(client, op.command, op.callMillis);
        }
        return Operation.completed(client, op.command, op.result, op.callMillis, op.returnMillis);
    }
}
