package dev.raftkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The side-by-side benchmark end to end, briefly: a one-node etcd and a one-node raftkv (plain
 * launcher, RocksDB), each measured with {@code run} over every workload at two client counts,
 * etcd through its API and raftkv in both client styles; then {@code report}. Checks the shape of
 * the table (rows, columns, numbers that parse) and that the chart is a PNG, never the figures.
 */
class BenchVsEtcdSmokeTest {

    private static final List<String> CLIENTS = List.of("1", "4");
    private static final List<String> SYSTEMS = List.of("etcd (1 node)", "raftkv unary (1 node)",
            "raftkv pipelined (1 node)");

    @TempDir
    Path dir;

    @Test
    void both_systems_measured_by_one_generator_give_one_table_and_a_chart() throws Exception {
        Path etcd = SmokeNodes.etcdBinary();
        Path results = dir.resolve("results.tsv");
        Path markdown = dir.resolve("table.md");
        Path chart = dir.resolve("chart.png");
        try (SmokeNodes nodes = new SmokeNodes(dir)) {
            nodes.startEtcd(etcd);
            nodes.startRaftKv();
            run("--api", "ETCD", "--label", SYSTEMS.get(0), "--endpoints", nodes.etcdEndpoint(),
                    "--pids", Long.toString(nodes.etcdPid()), "--results", results.toString());
            run("--api", "RAFTKV_UNARY", "--label", SYSTEMS.get(1), "--endpoints", nodes.raftkvEndpoint(),
                    "--pids", Long.toString(nodes.raftkvPid()), "--results", results.toString());
            run("--api", "RAFTKV_PIPELINED", "--label", SYSTEMS.get(2), "--no-preload", "--endpoints",
                    nodes.raftkvEndpoint(), "--pids", Long.toString(nodes.raftkvPid()), "--results", results.toString());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = BenchVsEtcd.execute(new PrintWriter(out), new PrintWriter(err), "report", "--results",
                results.toString(), "--markdown", markdown.toString(), "--chart", chart.toString(),
                "--note", "## smoke", "--note", "fsync on for both");
        assertThat(status).as(err.toString()).isZero();

        List<String> lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
        assertThat(lines.subList(0, 3)).containsExactly("## smoke", "fsync on for both", "");
        List<String> table = lines.subList(3, lines.size());
        assertThat(out.toString().strip().lines().toList()).isEqualTo(table);
        assertThat(cells(table.get(0))).containsExactlyElementsOf(MarkdownTable.COLUMNS);
        assertThat(cells(table.get(1))).hasSize(MarkdownTable.COLUMNS.size()).allMatch(cell -> cell.matches("-+:?"));
        List<String> rows = table.subList(2, table.size());
        assertThat(rows).hasSize(Workload.values().length * CLIENTS.size() * SYSTEMS.size());
        Set<String> titles = Set.of(Workload.PUT.title(), Workload.GET.title(), Workload.MIX.title());
        for (String row : rows) {
            List<String> cells = cells(row);
            assertThat(cells).as(row).hasSize(MarkdownTable.COLUMNS.size());
            assertThat(cells.get(0)).as(row).isIn(titles);
            assertThat(cells.get(1)).as(row).isIn(CLIENTS);
            assertThat(cells.get(2)).as(row).isIn(SYSTEMS);
            for (int column : new int[] {3, 4, 5, 6, 9}) {
                assertThat(number(cells.get(column))).as(row + ": " + MarkdownTable.COLUMNS.get(column)).isNotNaN();
            }
            assertThat(Long.parseLong(cells.get(7))).as(row).isNotNegative();
            boolean baseline = cells.get(2).equals(SYSTEMS.get(0));
            for (int column : new int[] {8, 10}) {
                if (baseline) {
                    assertThat(cells.get(column)).as(row).isEqualTo(MarkdownTable.NONE);
                } else {
                    assertThat(number(cells.get(column))).as(row + ": " + MarkdownTable.COLUMNS.get(column)).isNotNaN();
                }
            }
        }
        BufferedImage image = ImageIO.read(chart.toFile());
        assertThat(image).as("a PNG at " + chart).isNotNull();
        assertThat(image.getWidth()).isEqualTo(ThroughputChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(ThroughputChart.HEIGHT);
    }

    private static void run(String... system) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--clients", String.join(",", CLIENTS),
                "--keys", "200", "--prime", "0s", "--warmup", "100ms", "--duration", "300ms"));
        args.addAll(Arrays.asList(system));
        StringWriter err = new StringWriter();
        int status = BenchVsEtcd.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(String[]::new));
        assertThat(status).as(String.join(" ", args) + "\n" + err).isZero();
    }

    private static List<String> cells(String row) {
        assertThat(row).startsWith("| ").endsWith(" |");
        return Arrays.stream(row.substring(2, row.length() - 2).split(" \\| ", -1)).toList();
    }

    /** The cell as a number (thousands separators allowed); fails when it is not one. */
    private static double number(String cell) {
        return Double.parseDouble(cell.replace(",", ""));
    }
}
