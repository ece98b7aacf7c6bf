package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.client.Bytes;
import dev.raftkv.client.RaftKvClient;
import dev.raftkv.client.WriteResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "put", description = {"Set KEY to VALUE. Prints OK and the value replaced, if any.",
    "Without VALUE the value is read from --value-file, else from standard input (raftkv put key < file);"
        + " its bytes are stored as they are."})
final class PutCommand implements Callable<Integer> {

    @ParentCommand
    private RaftKvCli cli;

    @Parameters(index = "0", paramLabel = "KEY")
    private String key;

    @Parameters(index = "1", paramLabel = "VALUE", arity = "0..1")
    private String value;

    @Option(names = "--value-file", paramLabel = "FILE", description = "Read the value from FILE (- for standard input).")
    private Path valueFile;

    @Override
    public Integer call() {
        if (value != null && valueFile != null) {
            throw new IllegalArgumentException("give VALUE or --value-file, not both");
        }
        ByteString keyBytes = ByteString.copyFromUtf8(key);
        ByteString valueBytes = value != null ? ByteString.copyFromUtf8(value) : readValue();
        try (RaftKvClient client = cli.connect()) {
            WriteResult result = client.blocking().put(keyBytes, valueBytes);
            if (cli.writeOut() == WriteOut.JSON) {
                var json = WriteOut.key(keyBytes).add("replaced", result.found());
                if (result.found()) {
                    WriteOut.bytes(json, "previousValue", result.previousValue());
                }
                WriteOut.print(cli.out(), json);
            } else {
                cli.out().println(result.found() ? "OK (replaced " + Bytes.describe(result.previousValue()) + ")"
                        : "OK");
            }
            return ExitCodes.OK;
        }
    }

    private ByteString readValue() {
        if (valueFile == null || valueFile.toString().equals("-")) {
            try {
                return ByteString.readFrom(cli.stdin());
            } catch (IOException e) {
                throw new UncheckedIOException("reading the value from standard input failed: " + e.getMessage(), e);
            }
        }
        try (InputStream in = Files.newInputStream(valueFile)) {
            return ByteString.readFrom(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--value-file " + valueFile + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("reading --value-file " + valueFile + " failed: " + e.getMessage(), e);
        }
    }
}
