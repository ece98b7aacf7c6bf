package dev.raftkv.ansible;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command with a deadline, its output going to a log file. */
final class Commands {

    private Commands() {
    }

    /** The exit code, the combined output and how long the command took. */
    record Result(int exitCode, String output, Duration took, Path log) {
    }

    /**
     * Runs {@code command} in {@code directory}; stdout and stderr go to {@code log}. A command
     * still running after {@code timeout} is destroyed (with its children) and reported as exit 124.
     */
    static Result run(List<String> command, Path directory, Map<String, String> environment, Path log,
                      Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        long started = System.nanoTime();
        Process process = builder.start();
        int exitCode;
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            exitCode = process.exitValue();
        } else {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            exitCode = 124;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        return new Result(exitCode, Files.readString(log, StandardCharsets.UTF_8), took, log);
    }

    /** Whether {@code program} can be found on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }
}
