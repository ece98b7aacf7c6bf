package dev.raftkv.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code report}: the Markdown table (printed, and written with the notes above it) and the PNG
 * chart of the points in the result files. The first system in the files is the baseline of the
 * ratios.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Render result files as one Markdown table and a PNG chart of ops/s vs clients.")
final class ReportCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--results", required = true, split = ",", description = "Result files written by run.")
    private List<Path> resultFiles;

    @Option(names = "--markdown", description = "Write the notes and the table to this file.")
    private Path markdown;

    @Option(names = "--chart", description = "Write the chart to this PNG file.")
    private Path chart;

    @Option(names = "--title", defaultValue = "raftkv vs etcd", description = "Title of the chart (default: ${DEFAULT-VALUE}).")
    private String title;

    @Option(names = "--note", description = "A line written above the table (repeatable).")
    private List<String> notes = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        List<Point> points = new ArrayList<>();
        for (Path file : resultFiles) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    points.add(Point.parse(line));
                }
            }
        }
        Results results = new Results(points);
        List<String> table = MarkdownTable.render(results);
        PrintWriter out = spec.commandLine().getOut();
        table.forEach(out::println);
        out.flush();
        if (markdown != null) {
            List<String> lines = new ArrayList<>(notes);
            if (!notes.isEmpty()) {
                lines.add("");
            }
            lines.addAll(table);
            Files.write(markdown, lines, StandardCharsets.UTF_8);
        }
        if (chart != null) {
            ThroughputChart.write(results, title, chart);
        }
        return 0;
    }
}
