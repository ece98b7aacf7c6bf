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
            ByteString keyBytes = ByteString.copyFromUtf8(key);
            GetResult result = client.blocking().get(keyBytes, consistency);
            if (cli.writeOut() == WriteOut.JSON) {
                var json = WriteOut.key(keyBytes).add("found", result.found());
                if (result.found()) {
                    WriteOut.bytes(json, "value", result.value());
                }
                WriteOut.print(cli.out(), json);
                return result.found() ? ExitCodes.OK : ExitCodes.NOT_FOUND;
            }
            if (!result.found()) {
                cli.err().println("not found: " + Bytes.describe(ByteString.copyFromUtf8(key)));
                return ExitCodes.NOT_FOUND;
            }
            cli.out().println(Bytes.display(result.value()));
            return ExitCodes.OK;
        }
    }
}
