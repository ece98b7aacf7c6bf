package dev.raftkv.client.cli;

import dev.raftkv.client.ClientOptions;
import dev.raftkv.client.Endpoints;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.RaftKvException;
import dev.raftkv.client.Routing;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The {@code raftkv} command line: one subcommand per client operation plus {@code bench}.
 * Exit codes are {@link ExitCodes}. {@link #run} does everything but {@code System.exit}, so
 * tests run it in process.
 */
@Command(name = "raftkv",
        mixinStandardHelpOptions = true,
        version = "raftkv 0.1.0",
        description = "Talk to a raftkv cluster.",
        subcommands = {PutCommand.class, GetCommand.class, DeleteCommand.class, AddCommand.class,
            CasCommand.class, ScanCommand.class, StatusCommand.class, BenchCommand.class, ProbeCommand.class,
            MemberCommand.class, LeaderCommand.class, SnapshotCommand.class},
        footer = {"", "Exit codes:", "  0 ok", "  1 key not found (get)", "  2 usage error",
            "  3 rejected by the state machine (CAS mismatch, not a number, overflow)",
            "  4 invalid argument (refused by the server, not applied)",
            "  5 unavailable (no node answered in time; a write was not applied)",
            "  6 outcome unknown (a write may or may not have been applied)", "  7 other error"})
public final class RaftKvCli {

    /** Every command's help ends with the exit codes (the footer above). */
    private static final String[] EXIT_CODES = RaftKvCli.class.getAnnotation(Command.class).footer();

    static final String ENDPOINTS_VARIABLE = "RAFTKV_ENDPOINTS";

    @Option(names = {"-e", "--endpoints"}, paramLabel = "HOST:PORT,...",
            description = "Client addresses of some or all nodes (default: $" + ENDPOINTS_VARIABLE + ", else "
                    + Endpoints.DEFAULT + ").")
    private String endpoints;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = TimeoutConverter.class,
            description = "Deadline of a whole operation, retries included (default: ${DEFAULT-VALUE}).")
    private Duration operationTimeout;

    @Option(names = "--call-timeout", paramLabel = "DURATION", defaultValue = "2s", converter = TimeoutConverter.class,
            description = "Deadline of one attempt (default: ${DEFAULT-VALUE}).")
    private Duration callTimeout;

    @Option(names = "--unary", description = "Send each get and write as its own gRPC call, not on one "
            + "Kv.Pipeline stream per node (the default); e.g. to compare the two with bench.")
    private boolean unary;

    @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT",
            description = "Output format: simple, json or table (default: simple; table for status and lists). "
                    + "JSON is one line, stable: see the documentation of each command's fields in docs/cli.md.")
    private WriteOut writeOut;

    @Option(names = "--cacert", paramLabel = "FILE", description = "TLS: verify the nodes' certificates with"
            + " this CA bundle (PEM; default: $RAFTKV_CACERT). Any of --cacert/--cert/--key turns TLS on.")
    private java.nio.file.Path caCert;

    @Option(names = "--cert", paramLabel = "FILE", description = "TLS: this client's certificate (PEM;"
            + " default: $RAFTKV_CERT), for nodes that require one.")
    private java.nio.file.Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "TLS: the key of --cert (PEM, PKCS#8;"
            + " default: $RAFTKV_KEY).")
    private java.nio.file.Path key;

    private Map<String, String> environment = Map.of();
    private InputStream stdin = InputStream.nullInputStream();
    private PrintWriter out;
    private PrintWriter err;

    public static void main(String[] args) {
        CliLogging.quietGrpc();
        System.exit(run(args, System.in, System.out, System.err, System.getenv()));
    }

    /** Runs one command line with no standard input; returns its exit code. */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr, Map<String, String> environment) {
        return run(args, InputStream.nullInputStream(), stdout, stderr, environment);
    }

    /** Runs one command line; returns its exit code. */
    public static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr,
            Map<String, String> environment) {
        RaftKvCli cli = new RaftKvCli();
        cli.environment = Map.copyOf(environment);
        cli.stdin = stdin;
        cli.out = new PrintWriter(stdout, true, StandardCharsets.UTF_8);
        cli.err = new PrintWriter(stderr, true, StandardCharsets.UTF_8);
        CommandLine commandLine = new CommandLine(cli)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(cli.out)
                .setErr(cli.err)
                .setExecutionExceptionHandler((error, line, parsed) -> {
                    line.getErr().println("error: " + message(error));
                    return error instanceof AdminApi.AdminException admin ? admin.exitCode() : ExitCodes.of(error);
                });
        helpEverywhere(commandLine);
        try {
            return commandLine.execute(args);
        } finally {
            cli.out.flush();
            cli.err.flush();
        }
    }

    /** {@code -h/--help} and the exit codes on every subcommand, at every depth. */
    private static void helpEverywhere(CommandLine parent) {
        for (CommandLine sub : parent.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null) {
                spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
            if (spec.usageMessage().footer().length == 0) {
                spec.usageMessage().footer(EXIT_CODES);
            }
            helpEverywhere(sub);
        }
    }

    private static String message(Exception error) {
        if (error instanceof RaftKvException || error instanceof IllegalArgumentException
                || error instanceof AdminApi.AdminException || error instanceof java.io.UncheckedIOException) {
            return error.getMessage();
        }
        return error.toString();
    }

    Map<String, String> environment() {
        return environment;
    }

    /** The format asked for with {@code -w}, or null for the command's default. */
    WriteOut writeOut() {
        return writeOut;
    }

    InputStream stdin() {
        return stdin;
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    /** The endpoint list: {@code --endpoints}, else {@code $RAFTKV_ENDPOINTS}, else the local default. */
    String endpoints() {
        if (endpoints != null) {
            return endpoints;
        }
        String fromEnvironment = environment.get(ENDPOINTS_VARIABLE);
        return fromEnvironment == null || fromEnvironment.isBlank() ? Endpoints.DEFAULT : fromEnvironment;
    }

    ClientOptions.Builder options() {
        ClientOptions.Builder options = ClientOptions.builder()
                .endpoints(endpoints())
                .pipelining(!unary)
                .operationTimeout(operationTimeout)
                .callTimeout(callTimeout.compareTo(operationTimeout) < 0 ? callTimeout : operationTimeout);
        java.nio.file.Path ca = fileOrVariable(caCert, "RAFTKV_CACERT");
        java.nio.file.Path certificate = fileOrVariable(cert, "RAFTKV_CERT");
        java.nio.file.Path privateKey = fileOrVariable(key, "RAFTKV_KEY");
        if (ca != null || certificate != null || privateKey != null) {
            options.tls(ca, certificate, privateKey);
        }
        return options;
    }

    private java.nio.file.Path fileOrVariable(java.nio.file.Path option, String variable) {
        if (option != null) {
            return option;
        }
        String value = environment.get(variable);
        return value == null || value.isBlank() ? null : java.nio.file.Path.of(value.strip());
    }

    boolean unary() {
        return unary;
    }

    RaftKvClient connect() {
        return RaftKvClient.create(options().build());
    }

    /** A client that gives every operation only one call timeout: for probing nodes that may be down. */
    RaftKvClient connectForProbing() {
        return RaftKvClient.create(options().operationTimeout(callTimeout.compareTo(operationTimeout) < 0
                ? callTimeout : operationTimeout).build());
    }

    RaftKvClient connect(Routing routing) {
        return RaftKvClient.create(options().routing(routing).build());
    }
}
