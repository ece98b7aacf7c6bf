package dev.raftkv.server;

import dev.raftkv.storage.LogStoreProvider;
import dev.raftkv.storage.StorageException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which WAL backend wrote a data directory's {@code wal/}, and whether the configured one
 * may open it. A backend opening another's directory sees no log: the node would start
 * empty, with term 0, beside the real log and fork its cluster (issue 12, item 1). So a
 * node starts only on the backend that wrote {@code wal/}; {@link WalMigration} is the way
 * to change it.
 *
 * <p>The backend is recorded in {@code meta} ({@code wal.backend}). For a directory that
 * predates the record, it is detected from the files in {@code wal/} (every durable backend
 * {@link LogStoreProvider#recognises recognises} its own) and recorded; files of two
 * backends, or files no backend on the classpath recognises, are refused. The {@code memory}
 * backend keeps nothing in {@code wal/}: a directory it used may be taken over by any
 * backend (its log was gone at the last stop anyway), but it never takes over a durable log.
 */
public final class WalBackends {

    private static final Logger LOG = System.getLogger(WalBackends.class.getName());

    private WalBackends() {
    }

    /**
     * Checks that {@code configured} may open {@code data}'s {@code wal/}, recording it in
     * {@code meta} if nothing was recorded (or {@code memory} was). Call before opening the
     * store, so a refused backend writes nothing into {@code wal/}.
     *
     * @return the provider to open {@code wal/} with
     * @throws ConfigException naming {@code raftkv.wal.backend} (or {@code raftkv.data.dir} for an
     *     unfinished migration) with both backends and the ways out
     */
    public static LogStoreProvider check(DataDirectory data, String configured) {
        LogStoreProvider provider = provider(configured);
        String pending = data.pendingMigration();
        if (pending != null) {
            throw new ConfigException("raftkv.data.dir", data.root() + ": the WAL migration " + pending
                    + " was interrupted after it committed; run it again to finish it: "
                    + WalMigration.command(data.root(), pending.substring(pending.indexOf("->") + 2)));
        }
        List<String> found = recognisedBy(data.wal());
        String recorded = data.walBackend();
        if (recorded == null) {
            String written = detected(data.wal(), found);
            if (written != null && !written.equals(configured)) {
                throw mismatch(data, written, configured, "detected from its files");
            }
            data.recordWalBackend(configured);
            LOG.log(Level.INFO, data.root() + ": recorded WAL backend " + configured + " in meta"
                    + (written == null ? " (wal/ held no log yet)" : " (detected from the files in wal/)"));
        } else if (!recorded.equals(configured)) {
            if (durable(recorded) || !found.isEmpty()) {
                throw mismatch(data, recorded, configured, "recorded in meta");
            }
            data.recordWalBackend(configured);
            LOG.log(Level.WARNING, data.root() + ": the " + recorded + " backend kept no log here; " + configured
                    + " starts a new one");
        } else {
            List<String> foreign = new ArrayList<>(found);
            foreign.remove(configured);
            if (!foreign.isEmpty()) {
                throw new ConfigException("raftkv.wal.backend", data.wal() + " holds files of " + foreign
                        + " although meta records " + configured + " as its backend; move them away or restore the"
                        + " directory from a backup");
            }
            if (provider.durable() && found.isEmpty()) {
                LOG.log(Level.WARNING, data.root() + ": meta records " + configured + " but wal/ holds no "
                        + configured + " log; starting with an empty log (the node's term and vote are gone)");
            }
        }
        return provider;
    }

    /**
     * The backend that wrote {@code wal}, judged from its files: null for an empty directory.
     *
     * @throws ConfigException if files of several backends, or unrecognised files, are there
     */
    static String detected(Path wal, List<String> found) {
        if (found.size() > 1) {
            throw new ConfigException("raftkv.wal.backend", wal + " holds files of several backends " + found
                    + " and meta records none; keep only the log of the backend that wrote this node's data,"
                    + " or restore the directory from a backup");
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        List<String> names = names(wal);
        if (!names.isEmpty()) {
            throw new ConfigException("raftkv.wal.backend", wal + " holds files no available backend recognises ("
                    + String.join(", ", names.subList(0, Math.min(5, names.size())))
                    + (names.size() > 5 ? ", ..." : "") + "; backends on the classpath: " + available()
                    + "); put the backend that wrote them on the classpath");
        }
        return null;
    }

    /** Names of the available backends that recognise files in {@code wal} as theirs. */
    static List<String> recognisedBy(Path wal) {
        List<String> found = new ArrayList<>();
        for (LogStoreProvider p : LogStoreProvider.available()) {
            if (p.recognises(wal)) {
                found.add(p.name());
            }
        }
        return found;
    }

    static LogStoreProvider provider(String name) {
        try {
            return LogStoreProvider.named(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("raftkv.wal.backend", "unknown backend '" + name + "'; available: "
                    + available());
        }
    }

    /** Whether the backend {@code name} keeps its log on disk; an unknown one is assumed to. */
    static boolean durable(String name) {
        for (LogStoreProvider p : LogStoreProvider.available()) {
            if (p.name().equals(name)) {
                return p.durable();
            }
        }
        return true;
    }

    private static List<String> available() {
        return LogStoreProvider.available().stream().map(LogStoreProvider::name).toList();
    }

    private static ConfigException mismatch(DataDirectory data, String written, String configured, String how) {
        StringBuilder ways = new StringBuilder();
        ways.append("set raftkv.wal.backend=").append(written).append(" again; ");
        if (durable(configured)) {
            ways.append("or, with the node stopped, copy the log to ").append(configured).append(": ")
                    .append(WalMigration.command(data.root(), configured)).append(" (README, \"Changing the WAL"
                    + " backend\"); ");
        }
        ways.append("or delete the whole data directory ").append(data.root()).append(" and start the node again:"
                + " it comes back empty and catches up from the leader by snapshot");
        return new ConfigException("raftkv.wal.backend", data.wal() + " holds a log written by the '" + written
                + "' backend (" + how + "), but this node is configured with '" + configured + "', which would start"
                + " an empty log beside it and fork the cluster. Either " + ways);
    }

    private static List<String> names(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new StorageException("cannot list " + directory + ": " + e.getMessage(), e);
        }
    }
}
