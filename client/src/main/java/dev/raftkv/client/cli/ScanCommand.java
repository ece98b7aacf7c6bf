package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.Bytes;
import dev.raftkv.client.KeyValue;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.ScanPage;
import dev.raftkv.client.ScanRange;
import dev.raftkv.proto.Consistency;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "scan", description = "Print KEY<TAB>VALUE lines of a key range or prefix in key order"
        + " (every key when neither is given), read in pages.")
final class ScanCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @ArgGroup(exclusive = true)
    private Selection selection;

    static final class Selection {
        @Option(names = {"-p", "--prefix"}, paramLabel = "PREFIX", description = "Keys that start with PREFIX.")
        private String prefix;

        @ArgGroup(exclusive = false)
        private Bounds bounds;
    }

    static final class Bounds {
        @Option(names = "--from", paramLabel = "KEY", required = true, description = "First key (inclusive).")
        private String from;

        @Option(names = "--to", paramLabel = "KEY", description = "End key (exclusive; default: no end).")
        private String to;
    }

    @Option(names = {"-n", "--limit"}, defaultValue = "1000", description = "At most this many pairs (default: ${DEFAULT-VALUE}).")
    private int limit;

    @Option(names = "--page-size", defaultValue = "500", description = "Pairs per request (default: ${DEFAULT-VALUE}).")
    private int pageSize;

    @Option(names = {"-c", "--consistency"}, defaultValue = "LINEARIZABLE",
            description = "LINEARIZABLE (default) or SERIALIZABLE, per page.")
    private Consistency consistency;

    @Override
    public Integer call() {
        if (limit < 1 || pageSize < 1) {
            throw new IllegalArgumentException("--limit and --page-size must be at least 1");
        }
        int printed = 0;
        boolean more = false;
        boolean json = cli.writeOut() == WriteOut.JSON;
        if (json) {
            cli.out().print('[');
        }
        try (RaftKvClient client = cli.connect()) {
            Optional<ScanRange> range = Optional.of(range());
            while (range.isPresent() && printed < limit) {
                ScanPage page = client.blocking().scan(range.get(), Math.min(pageSize, limit - printed), consistency);
                for (KeyValue pair : page.pairs()) {
                    if (json) {
                        cli.out().print((printed > 0 ? "," : "")
                                + WriteOut.bytes(WriteOut.key(pair.key()), "value", pair.value()).build());
                    } else {
                        cli.out().println(Bytes.display(pair.key()) + "\t" + Bytes.display(pair.value()));
                    }
                    printed++;
                }
                range = page.next();
                more = range.isPresent();
            }
        }
        if (json) {
            cli.out().println(']');
        }
        if (more) {
            cli.err().println("(stopped after --limit " + limit + " pairs; more keys follow)");
        }
        return ExitCodes.OK;
    }

    private ScanRange range() {
        if (selection == null) {
            return ScanRange.all();
        }
        if (selection.prefix != null) {
            return ScanRange.prefix(ByteString.copyFromUtf8(selection.prefix));
        }
        Bounds bounds = selection.bounds;
        return ScanRange.range(ByteString.copyFromUtf8(bounds.from),
                bounds.to == null ? ByteString.EMPTY : ByteString.copyFromUtf8(bounds.to));
    }
}
