package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.Bytes;
import dev.raftkv.client.CasMismatchException;
import dev.raftkv.client.RaftKvClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "cas", description = "Set KEY to NEW_VALUE if its value is --expect, or if it is absent with"
        + " --expect-absent. Exit 3 with the current value when the expectation does not hold.")
final class CasCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @Parameters(index = "0", paramLabel = "KEY")
    private String key;

    @Parameters(index = "1", paramLabel = "NEW_VALUE")
    private String newValue;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Expectation expectation;

    static final class Expectation {
        @Option(names = "--expect", paramLabel = "VALUE", description = "The value KEY must have.")
        private String value;

        @Option(names = "--expect-absent", description = "KEY must not exist.")
        private boolean absent;
    }

    @Override
    public Integer call() {
        ByteString keyBytes = ByteString.copyFromUtf8(key);
        ByteString newBytes = ByteString.copyFromUtf8(newValue);
        try (RaftKvClient client = cli.connect()) {
            if (expectation.absent) {
                client.blocking().putIfAbsent(keyBytes, newBytes);
            } else {
                client.blocking().compareAndSet(keyBytes, ByteString.copyFromUtf8(expectation.value), newBytes);
            }
            if (cli.writeOut() == WriteOut.JSON) {
                WriteOut.print(cli.out(), WriteOut.key(keyBytes).add("swapped", true));
            } else {
                cli.out().println("OK");
            }
            return ExitCodes.OK;
        } catch (CasMismatchException e) {
            if (cli.writeOut() == WriteOut.JSON) {
                var json = WriteOut.key(keyBytes).add("swapped", false).add("found", e.found());
                if (e.found()) {
                    WriteOut.bytes(json, "currentValue", e.currentValue());
                }
                WriteOut.print(cli.out(), json);
                return ExitCodes.REJECTED;
            }
            cli.err().println("CAS mismatch: " + (e.found()
                    ? "current value is " + Bytes.describe(e.currentValue())
                    : "the key is absent"));
            return ExitCodes.REJECTED;
        }
    }
}
