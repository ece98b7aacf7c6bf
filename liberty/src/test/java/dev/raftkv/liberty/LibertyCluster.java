package dev.raftkv.liberty;

import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * N Liberty server processes made from the one runtime the build installed ({@code target/liberty/wlp}): each
 * node is a copy of the packaged {@code raftkv} server under its own user directory, with its own
 * {@code server.env} (ports, data dir, node id), started in the foreground with {@code server run} so that this
 * class owns the JVM's process and can kill -9 it.
 */
final class LibertyCluster implements AutoCloseable {

    static final String ADMIN_USER = "admin";
    static final String ADMIN_PASSWORD = "e2e-admin-password";

    private final Path wlp;
    private final Path base;
    private final int size;
    private final int[] peerPorts;
    private final int[] clientPorts;
    private final int[] httpPorts;
    private final int[] httpsPorts;
    private final Process[] processes;

    LibertyCluster(Path wlp, Path base, int size) throws IOException {
        this(wlp, base, Collections.nCopies(size, "rocksdb"));
    }

    /** One node per entry of {@code backends}, each on that WAL backend ({@code RAFTKV_WAL_BACKEND}). */
    LibertyCluster(Path wlp, Path base, List<String> backends) throws IOException {
        int size = backends.size();
        this.wlp = wlp;
        this.base = base;
        this.size = size;
        peerPorts = freePorts(size);
        clientPorts = freePorts(size);
        httpPorts = freePorts(size);
        httpsPorts = freePorts(size);
        processes = new Process[size];
        Path usr = base.resolve("usr");
        copyTree(wlp.resolve("usr/shared"), usr.resolve("shared"));
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < size; i++) {
            members.append(members.length() == 0 ? "" : ",").append(id(i)).append("=127.0.0.1:").append(peerPorts[i])
                    .append(':').append(clientPorts[i]);
        }
        for (int i = 0; i < size; i++) {
            Path server = usr.resolve("servers").resolve(id(i));
            copyTree(wlp.resolve("usr/servers/raftkv"), server);
            // Test-only: C1 alone starts a JVM with far less CPU, which matters with three servers on two cores.
            Files.createDirectories(server.resolve("configDropins/overrides"));
            Files.writeString(server.resolve("configDropins/overrides/jvm.options"), "-XX:TieredStopAtLevel=1\n");
            Files.writeString(server.resolve("server.env"), String.join("\n",
                    "RAFTKV_NODE_ID=" + id(i),
                    "RAFTKV_MEMBERS=" + members,
                    "RAFTKV_DATA_DIR=" + base.resolve("data").resolve(id(i)).toAbsolutePath(),
                    "RAFTKV_WAL_BACKEND=" + backends.get(i),
                    "RAFTKV_HTTP_HOST=127.0.0.1",
                    "RAFTKV_HTTP_PORT=" + httpPorts[i],
                    "RAFTKV_HTTPS_PORT=" + httpsPorts[i],
                    "RAFTKV_ADMIN_USER=" + ADMIN_USER,
                    "RAFTKV_ADMIN_PASSWORD=" + ADMIN_PASSWORD, ""));
        }
    }

    static String id(int index) {
        return "n" + (index + 1);
    }

    int indexOf(String nodeId) {
        return Integer.parseInt(nodeId.substring(1)) - 1;
    }

    int size() {
        return size;
    }

    String clientAddress(int index) {
        return "127.0.0.1:" + clientPorts[index];
    }

    Http admin(int index) {
        return Http.to("http://127.0.0.1:" + httpPorts[index]).as(ADMIN_USER, ADMIN_PASSWORD);
    }

    Http http(int index) {
        return Http.to("http://127.0.0.1:" + httpPorts[index]);
    }

    /** Starts node {@code index}'s server in the foreground ({@code server run}), output to its console file. */
    void start(int index) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(wlp.resolve("bin/server").toString(), "run", id(index));
        builder.environment().put("WLP_USER_DIR", base.resolve("usr").toAbsolutePath().toString());
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(base.resolve(id(index) + ".console").toFile()));
        processes[index] = builder.start();
    }

    /** kill -9 of node {@code index}'s JVM ({@code server run} execs java, so the process is the JVM). */
    void kill(int index) throws InterruptedException {
        Process process = processes[index];
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean isAlive(int index) {
        return processes[index] != null && processes[index].isAlive();
    }

    long pid(int index) {
        return processes[index].pid();
    }

    /**
     * Waits until node {@code index} answers ready on /health/ready; fails at once if its liveness reports that
     * the node could not start.
     */
    void awaitReady(int index, Duration timeout) {
        await(id(index) + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(UncheckedIOException.class)
                .until(() -> {
                    HttpResponse<String> live = http(index).get("/health/live");
                    if (live.statusCode() == 503) {
                        throw new IllegalStateException(id(index) + " failed to start: " + live.body());
                    }
                    return http(index).get("/health/ready").statusCode() == 200;
                });
    }

    /** Node {@code index}'s admin status, or empty when it does not answer. */
    Optional<JsonObject> status(int index) {
        try {
            HttpResponse<String> response = admin(index).get("/admin/v1/status");
            return response.statusCode() == 200 ? Optional.of(Http.json(response).getAsJsonObject())
                    : Optional.empty();
        } catch (UncheckedIOException e) {
            return Optional.empty();
        }
    }

    Path log(int index) {
        return base.resolve("usr/servers").resolve(id(index)).resolve("logs/messages.log");
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            if (process != null && process.isAlive()) {
                process.destroy();
            }
        }
        for (Process process : processes) {
            if (process != null && !process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * Ports below Linux's ephemeral range (32768 and up), checked free: the servers bind them only after their
     * start-up, and an ephemeral port picked now could meanwhile go to some process's outgoing connection.
     */
    private static int[] freePorts(int count) throws IOException {
        java.util.Random random = new java.util.Random();
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            for (int attempt = 0; ; attempt++) {
                int port = 20_000 + random.nextInt(12_000);
                if (NEXT_PORTS.add(port) && isFree(port)) {
                    ports[i] = port;
                    break;
                }
                if (attempt > 1000) {
                    throw new IOException("no free port found in 20000..31999");
                }
            }
        }
        return ports;
    }

    private static final java.util.Set<Integer> NEXT_PORTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path relative = from.relativize(dir);
                String name = relative.toString();
                if (name.equals("logs") || name.equals("workarea") || name.equals("apps/expanded")
                        || name.equals("resources/security")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(name));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
