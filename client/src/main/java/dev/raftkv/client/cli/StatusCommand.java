package dev.raftkv.client.cli;

import dev.raftkv.client.RaftKvClient;
import dev.raftkv.proto.MemberStatus;
import dev.raftkv.proto.StatusResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "Ask every node (given and discovered) for its status; print a table."
        + " Exit 5 when no node answers.")
final class StatusCommand implements Callable<Integer> {

    private static final String[] COLUMNS = {"NODE", "ADDRESS", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "FIRST", "LAST"};

    @ParentCommand
    private RaftKvCli cli;

    @Option(names = "--watch", paramLabel = "INTERVAL", converter = TimeoutConverter.class,
            description = "Print the table again every INTERVAL (e.g. 1s) from this one process, clearing the "
                    + "terminal first, until interrupted (Ctrl-C).")
    private Duration watch;

    @Override
    public Integer call() throws InterruptedException {
        try (RaftKvClient client = cli.connectForProbing()) {
            if (watch == null) {
                return once(client);
            }
            while (!Thread.currentThread().isInterrupted()) {
                long started = System.nanoTime();
                java.io.StringWriter frame = new java.io.StringWriter();
                java.io.PrintWriter into = new java.io.PrintWriter(frame);
                into.println(java.time.LocalTime.now().withNano(0) + "  (every " + watch.toMillis() + " ms; Ctrl-C stops)");
                PrintWriter out = cli.out();
                once(client, into);
                into.flush();
                out.print("\033[H\033[2J" + frame);
                out.flush();
                long waitNanos = watch.toNanos() - (System.nanoTime() - started);
                if (waitNanos > 0) {
                    java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos);
                }
            }
            return ExitCodes.OK;
        }
    }

    private int once(RaftKvClient client) {
        return once(client, cli.out());
    }

    private int once(RaftKvClient client, PrintWriter out) {
        {
            Set<String> addresses = new LinkedHashSet<>(client.knownAddresses());
            Map<String, CompletableFuture<StatusResponse>> answers = new LinkedHashMap<>();
            addresses.forEach(address -> answers.put(address, client.status(address)));
            // Members a node reports that the given endpoints did not name.
            for (CompletableFuture<StatusResponse> answer : List.copyOf(answers.values())) {
                StatusResponse status = answer.exceptionally(e -> null).join();
                if (status == null) {
                    continue;
                }
                for (MemberStatus member : status.getMembersList()) {
                    String address = member.getClientAddress();
                    if (!address.isEmpty() && !answers.containsKey(address)) {
                        answers.put(address, client.status(address));
                    }
                }
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(COLUMNS);
            List<String> failures = new ArrayList<>();
            Set<String> nodeIds = new LinkedHashSet<>();
            answers.forEach((address, answer) -> {
                try {
                    StatusResponse status = answer.join();
                    if (nodeIds.add(status.getHeader().getNodeId())) {
                        rows.add(row(address, status));
                    }
                } catch (CompletionException e) {
                    failures.add(address + "\tunreachable: " + e.getCause().getMessage());
                }
            });
            if (cli.writeOut() == WriteOut.JSON) {
                printJson(out, rows, failures);
            } else if (cli.writeOut() == WriteOut.SIMPLE) {
                rows.stream().skip(1).forEach(row -> out.println(String.join("\t", row)));
                failures.forEach(out::println);
            } else {
                print(out, rows);
                failures.forEach(out::println);
            }
            return rows.size() > 1 ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
        }
    }

    /** {@code [{"node","address","role","term","leader","commit","applied","first","last"}, ...]}, then unreachable ones. */
    private static void printJson(PrintWriter out, List<String[]> rows, List<String> failures) {
        var array = jakarta.json.Json.createArrayBuilder();
        for (String[] row : rows.subList(1, rows.size())) {
            var object = jakarta.json.Json.createObjectBuilder();
            for (int i = 0; i < COLUMNS.length; i++) {
                String name = COLUMNS[i].toLowerCase(java.util.Locale.ROOT);
                if (i >= 3 && i != 4) {
                    object.add(name, Long.parseLong(row[i]));
                } else if (row[i].equals("-")) {
                    object.addNull(name);
                } else {
                    object.add(name, row[i]);
                }
            }
            array.add(object);
        }
        for (String failure : failures) {
            String[] parts = failure.split("\t", 2);
            array.add(jakarta.json.Json.createObjectBuilder().add("address", parts[0]).add("error", parts[1]));
        }
        out.println(array.build());
    }

    private static String[] row(String address, StatusResponse status) {
        var header = status.getHeader();
        return new String[] {
            header.getNodeId(), address, status.getRole(), Long.toString(header.getTerm()),
            header.getLeaderId().isEmpty() ? "-" : header.getLeaderId(),
            Long.toString(status.getCommitIndex()), Long.toString(header.getAppliedIndex()),
            Long.toString(status.getFirstIndex()), Long.toString(status.getLastIndex())
        };
    }

    private static void print(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[COLUMNS.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
