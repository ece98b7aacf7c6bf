package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.Bytes;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.WriteResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "put", description = "Set KEY to VALUE. Prints OK and the value replaced, if any.")
final class PutCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @Parameters(index = "0", paramLabel = "KEY")
    private String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    private String value;

    @Override
    public Integer call() {
        try (RaftKvClient client = cli.connect()) {
            WriteResult result = client.blocking().put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
            cli.out().println(result.found() ? "OK (replaced " + Bytes.describe(result.previousValue()) + ")" : "OK");
            return ExitCodes.OK;
        }
    }
}
