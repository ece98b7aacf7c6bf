package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.Bytes;
import dev.raftkv.client.GetResult;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.proto.Consistency;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "get", description = "Print the value of KEY: printable text as it is, in double quotes when it"
        + " starts with 0x or \" (\" and \\ escaped); any other bytes as 0x and their hex. Exit 1 when absent.")
final class GetCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @Parameters(index = "0", paramLabel = "KEY")
    private String key;

    @Option(names = {"-c", "--consistency"}, defaultValue = "LINEARIZABLE",
            description = "LINEARIZABLE (default) or SERIALIZABLE (local, may be stale).")
    private Consistency consistency;

    @Override
    public Integer call() {
        try (RaftKvClient client = cli.connect()) {
            GetResult result = client.blocking().get(ByteString.copyFromUtf8(key), consistency);
            if (!result.found()) {
                cli.err().println("not found: " + Bytes.describe(ByteString.copyFromUtf8(key)));
                return ExitCodes.NOT_FOUND;
            }
            cli.out().println(Bytes.display(result.value()));
            return ExitCodes.OK;
        }
    }
}
