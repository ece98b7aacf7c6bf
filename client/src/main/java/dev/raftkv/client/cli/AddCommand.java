package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.RaftKvClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "add", description = "Add DELTA (a signed 64-bit integer; absent counts as 0) to the number at KEY;"
        + " print the new number. Exit 3 when the value is not a number or the sum overflows.")
final class AddCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @Parameters(index = "0", paramLabel = "KEY")
    private String key;

    @Parameters(index = "1", paramLabel = "DELTA")
    private long delta;

    @Override
    public Integer call() {
        try (RaftKvClient client = cli.connect()) {
            ByteString keyBytes = ByteString.copyFromUtf8(key);
            long sum = client.blocking().add(keyBytes, delta);
            if (cli.writeOut() == WriteOut.JSON) {
                WriteOut.print(cli.out(), WriteOut.key(keyBytes).add("value", sum));
            } else {
                cli.out().println(sum);
            }
            return ExitCodes.OK;
        }
    }
}
