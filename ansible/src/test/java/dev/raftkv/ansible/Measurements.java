package dev.raftkv.ansible;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Figures the scenario measures (wall times, leaderless time); printed and written to a file. */
final class Measurements {

    private final Path file;
    private final List<String> lines = new ArrayList<>();

    Measurements(Path file) {
        this.file = file;
    }

    void add(String what, Duration took) {
        add(what, String.format("%.1f s", took.toMillis() / 1000.0));
    }

    void add(String what, Object value) {
        String line = what + ": " + value;
        lines.add(line);
        System.out.println("[ansible-it] " + line);
        write();
    }

    void print() {
        System.out.println("[ansible-it] measurements (also in " + file + "):");
        lines.forEach(line -> System.out.println("[ansible-it]   " + line));
    }

    private void write() {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            System.out.println("[ansible-it] could not write " + file + ": " + e);
        }
    }
}
