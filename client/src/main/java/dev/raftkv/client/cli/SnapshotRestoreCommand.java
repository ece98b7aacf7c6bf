package dev.raftkv.client.cli;

import dev.raftkv.server.SnapshotCorruptException;
import dev.raftkv.server.SnapshotRestore;
import jakarta.json.Json;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "restore", description = {
    "Offline: make a node's data directory DIR from a snapshot FILE (from snapshot download), for a new "
        + "cluster started from a backup or a node that replaces a lost one. FILE is verified whole first "
        + "(checksum); a damaged file is refused (exit 4) and nothing is written. DIR must not exist or be empty; "
        + "it appears complete or not at all.",
    "Start the node on DIR with the node id it had in the snapshot's cluster: the members are the "
        + "snapshot's. No admin API is used."})
final class SnapshotRestoreCommand implements Callable<Integer> {

    @ParentCommand
    private SnapshotCommand parent;

    @Parameters(index = "0", paramLabel = "FILE")
    private Path file;

    @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "The data directory to make.")
    private Path dataDir;

    @Override
    public Integer call() {
        SnapshotRestore.Restored restored;
        try {
            restored = SnapshotRestore.restore(file, dataDir);
        } catch (SnapshotCorruptException e) {
            parent.cli.err().println("error: " + e.getMessage() + "; nothing was written to " + dataDir);
            return ExitCodes.INVALID_ARGUMENT;
        } catch (IllegalArgumentException e) {
            parent.cli.err().println("error: " + e.getMessage());
            return ExitCodes.INVALID_ARGUMENT;
        }
        if (parent.cli.writeOut() == WriteOut.JSON) {
            WriteOut.print(parent.cli.out(), Json.createObjectBuilder()
                    .add("dataDir", restored.dataDir().toString())
                    .add("snapshotFile", restored.snapshotFile().toString())
                    .add("index", restored.index()).add("term", restored.term())
                    .add("voters", Json.createArrayBuilder(restored.voters()))
                    .add("learners", Json.createArrayBuilder(restored.learners())));
        } else {
            parent.cli.out().println("restored snapshot at index " + restored.index() + " (term " + restored.term()
                    + ") into " + restored.dataDir() + "; members: " + (restored.voters().isEmpty()
                    ? "those in the node's raftkv.members (the snapshot's cluster never changed its membership)"
                    : "voters " + restored.voters()
                    + (restored.learners().isEmpty() ? "" : ", learners " + restored.learners())));
        }
        return ExitCodes.OK;
    }
}
