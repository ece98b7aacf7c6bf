package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Raft core must stay pure: no threads, clocks, own randomness, files, sockets,
 * gRPC or storage technology, and it only reads the log (through {@code LogReader}), never
 * names the writable {@code LogStore}. Scans the sources of {@code dev.raftkv.raft}. That
 * gRPC stays out of the whole module is kept by Maven (the enforcer's ban in core's pom);
 * one test here checks the result on the classpath.
 */
class CorePurityTest {

    private static final Pattern FORBIDDEN = Pattern.compile(
            "java\\.lang\\.Thread|\\bThread\\.|new Thread\\b|java\\.util\\.concurrent|Executors?\\b"
                    + "|System\\.(currentTimeMillis|nanoTime)|java\\.time\\.(Instant|Clock|LocalDateTime)"
                    + "|new (java\\.util\\.)?Random\\(|ThreadLocalRandom|Math\\.random"
                    + "|java\\.io\\.File|java\\.nio\\.file|java\\.nio\\.channels|java\\.net\\."
                    + "|io\\.grpc|org\\.rocksdb|net\\.openhft|jakarta\\.|synchronized|volatile"
                    + "|\\bLogStore\\b");

    @Test
    void the_core_package_uses_no_threads_clocks_randomness_files_sockets_or_writable_store() throws IOException {
        Path core = Path.of("src/main/java/dev/raftkv/raft");
        List<String> offences = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> stream = Files.list(core)) {
            files = stream.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).as("core sources").isNotEmpty();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
                    continue;
                }
                if (FORBIDDEN.matcher(line).find()) {
                    offences.add(file.getFileName() + ":" + (i + 1) + ": " + line);
                }
            }
        }
        assertThat(offences).as("impure constructs in the Raft core").isEmpty();
    }

    @Test
    void the_scan_recognises_an_impure_line() {
        assertThat(FORBIDDEN.matcher("long now = System.currentTimeMillis();").find()).isTrue();
        assertThat(FORBIDDEN.matcher("import java.nio.file.Files;").find()).isTrue();
        assertThat(FORBIDDEN.matcher("Random r = new Random(42);").find()).isTrue();
        assertThat(FORBIDDEN.matcher("((LogStore) store).append(entries);").find()).isTrue();
        assertThat(FORBIDDEN.matcher("long next = pr.next();").find()).isFalse();
        assertThat(FORBIDDEN.matcher("private final LogReader store;").find()).isFalse();
    }

    @Test
    void grpc_is_not_on_the_core_modules_classpath() {
        assertThatThrownBy(() -> Class.forName("io.grpc.Channel")).isInstanceOf(ClassNotFoundException.class);
    }
}
