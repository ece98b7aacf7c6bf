package dev.raftkv.storage.chronicle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM options Chronicle Queue needs on Java 17 (module opens and exports for its
 * off-heap and memory-mapping code, and its analytics and announcer turned off). They
 * are defined once, as the {@code chronicle.jvm.options} property of the root pom;
 * the build copies them into the resource {@value #RESOURCE}, which this class reads
 * for whoever starts a JVM that runs Chronicle (the crash test's child, the plain
 * launcher; Liberty's {@code jvm.options} takes the same property).
 */
public final class ChronicleJvmOptions {

    /** Classpath resource holding the options, separated by white space. */
    public static final String RESOURCE = "/dev/raftkv/storage/chronicle/chronicle-jvm.options";

    private ChronicleJvmOptions() {
    }

    /** The options, one per element, e.g. {@code --add-opens=java.base/java.lang.reflect=ALL-UNNAMED}. */
    public static List<String> list() {
        try (InputStream in = ChronicleJvmOptions.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (text.startsWith("${")) {
                throw new IllegalStateException(RESOURCE + " was not filtered by the build: " + text);
            }
            return Arrays.stream(text.split("\\s+")).filter(option -> !option.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
