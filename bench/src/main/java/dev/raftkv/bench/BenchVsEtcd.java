package dev.raftkv.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The side-by-side benchmark's command line, run by {@code scripts/bench-vs-etcd}: {@code run}
 * measures one running system and appends its points to a result file; {@code report} turns the
 * result files of several systems into the Markdown table and the PNG chart. Exit status 0 when
 * done, 2 for a usage error, 1 when a run or report failed (the message says why).
 */
@Command(name = "bench-vs-etcd", mixinStandardHelpOptions = true,
        subcommands = {RunCommand.class, ReportCommand.class},
        description = "raftkv and etcd side by side: one closed-loop load generator over raw gRPC stubs of both APIs.")
public final class BenchVsEtcd implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args));
    }

    /** Runs one command line with these streams (what tests call); returns the exit status. */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new BenchVsEtcd());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((error, line, parsed) -> {
            line.getErr().println("bench-vs-etcd: " + error.getMessage());
            error.printStackTrace(line.getErr());
            line.getErr().flush();
            return 1;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: run or report");
    }
}
