package dev.raftkv.client.cli;

import jakarta.json.JsonArray;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "snapshot", description = "Snapshots of one node (admin API).",
        subcommands = {SnapshotCommand.Take.class, SnapshotCommand.ListSnapshots.class,
            SnapshotCommand.Download.class, SnapshotRestoreCommand.class})
final class SnapshotCommand {

    /** Snapshot tables: which entry, when, how big, where. */
    static final String[] COLUMNS = {"index", "term", "createdMillis", "sizeBytes", "file"};

    @ParentCommand
    RaftKvCli cli;

    @Mixin
    AdminOptions admin;

    AdminApi api() {
        return admin.connect(cli.environment());
    }

    @Command(name = "take", description = "Snapshot the node's state now and compact its log behind it.")
    static final class Take implements Callable<Integer> {
        @ParentCommand
        private SnapshotCommand parent;

        @Override
        public Integer call() {
            JsonStructure answer = parent.api().post("snapshots", null);
            if (parent.cli.writeOut() == WriteOut.JSON) {
                WriteOut.print(parent.cli.out(), answer);
            } else {
                parent.cli.out().println("snapshot taken: " + answer);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "The node's snapshot files, newest first.")
    static final class ListSnapshots implements Callable<Integer> {
        @ParentCommand
        private SnapshotCommand parent;

        @Override
        public Integer call() {
            JsonStructure answer = parent.api().get("snapshots");
            JsonArray rows = answer.getValueType() == JsonValue.ValueType.ARRAY ? answer.asJsonArray()
                    : answer.asJsonObject().getJsonArray("snapshots");
            if (parent.cli.writeOut() == WriteOut.JSON) {
                WriteOut.print(parent.cli.out(), rows == null ? WriteOut.none() : rows);
            } else if (rows == null || rows.isEmpty()) {
                parent.cli.out().println("no snapshots");
            } else {
                WriteOut.printRows(parent.cli.out(), parent.cli.writeOut(), rows, COLUMNS);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "download", description = "Save the node's newest snapshot to FILE (written whole or not at all).")
    static final class Download implements Callable<Integer> {
        @ParentCommand
        private SnapshotCommand parent;

        @Parameters(index = "0", paramLabel = "FILE")
        private Path file;

        @Override
        public Integer call() {
            HttpResponse<InputStream> response = parent.api().download("snapshots/latest");
            Path absolute = file.toAbsolutePath();
            Path temp = absolute.resolveSibling(absolute.getFileName() + ".part");
            long bytes;
            try (InputStream in = response.body()) {
                bytes = Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // reporting the first error matters more
                }
                throw new UncheckedIOException("saving the snapshot to " + file + " failed: " + e.getMessage(), e);
            }
            StringBuilder described = new StringBuilder();
            response.headers().map().forEach((name, values) -> {
                if (name.toLowerCase(java.util.Locale.ROOT).startsWith("x-raftkv-")) {
                    described.append(' ').append(name.substring("x-raftkv-".length()).toLowerCase(java.util.Locale.ROOT))
                            .append('=').append(String.join(",", values));
                }
            });
            parent.cli.out().println("saved " + bytes + " bytes to " + file + described);
            return ExitCodes.OK;
        }
    }
}
