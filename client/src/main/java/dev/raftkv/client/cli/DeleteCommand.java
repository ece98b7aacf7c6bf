package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.Bytes;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.WriteResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete", description = "Delete KEY. Prints the value deleted, or that there was none.")
final class DeleteCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @Parameters(index = "0", paramLabel = "KEY")
    private String key;

    @Override
    public Integer call() {
        try (RaftKvClient client = cli.connect()) {
            ByteString keyBytes = ByteString.copyFromUtf8(key);
            WriteResult result = client.blocking().delete(keyBytes);
            if (cli.writeOut() == WriteOut.JSON) {
                var json = WriteOut.key(keyBytes).add("deleted", result.found());
                if (result.found()) {
                    WriteOut.bytes(json, "previousValue", result.previousValue());
                }
                WriteOut.print(cli.out(), json);
                return ExitCodes.OK;
            }
            cli.out().println(result.found()
                    ? "deleted (was " + Bytes.describe(result.previousValue()) + ")"
                    : "not found (nothing deleted)");
            return ExitCodes.OK;
        }
    }
}
