package dev.raftkv.storage.rocksdb;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Logger;

/**
 * Sends RocksDB's own log (warnings and worse) to {@link System.Logger}, instead of a
 * {@code LOG} file in the data directory, and remembers the lines that name a file,
 * so an open that fails can say where. Called on RocksDB's threads.
 */
final class JulRocksDbLogger extends Logger {

    private static final System.Logger LOG = System.getLogger(RocksDbLogStore.class.getName());

    private final List<String> problems = new ArrayList<>();

    JulRocksDbLogger() {
        super(InfoLogLevel.WARN_LEVEL);
    }

    @Override
    protected void log(InfoLogLevel level, String message) {
        Level julLevel = switch (level) {
            case DEBUG_LEVEL, INFO_LEVEL -> Level.DEBUG;
            case WARN_LEVEL -> Level.WARNING;
            default -> Level.ERROR;
        };
        LOG.log(julLevel, "RocksDB: " + message.strip());
        if (level != InfoLogLevel.DEBUG_LEVEL && level != InfoLogLevel.INFO_LEVEL) {
            synchronized (problems) {
                if (problems.size() < 20) {
                    problems.add(message.strip());
                }
            }
        }
    }

    /** Warnings and errors RocksDB logged so far (at most 20). */
    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }
}
