package dev.raftkv.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time used so far by a set of processes: the sum of their {@code utime + stime} (all
 * threads) from {@code /proc/PID/stat}, Linux only. A process that is gone is an error, so a
 * server that died during a point cannot pass for a cheap one.
 */
final class ProcessCpu {

    /** Fields 14 and 15 of /proc/PID/stat, counted from the state field (field 3) after the command's ")". */
    private static final int UTIME_AFTER_COMMAND = 14 - 3;
    private static final int STIME_AFTER_COMMAND = 15 - 3;

    private final List<Long> pids;
    private final long clockTicksPerSecond;

    /**
     * @param pids the processes to add up
     * @param clockTicksPerSecond the unit of /proc's times ({@code getconf CLK_TCK}; 100 on Linux/x86)
     */
    ProcessCpu(List<Long> pids, long clockTicksPerSecond) {
        if (clockTicksPerSecond <= 0) {
            throw new IllegalArgumentException("clock ticks per second must be positive, not " + clockTicksPerSecond);
        }
        this.pids = List.copyOf(pids);
        this.clockTicksPerSecond = clockTicksPerSecond;
    }

    /**
     * The processes' CPU time so far, in milliseconds (at the resolution of a clock tick).
     *
     * @throws UncheckedIOException when a process does not exist (any more) or its stat does not parse
     */
    double millis() {
        long ticks = 0;
        for (long pid : pids) {
            ticks += ticks(pid);
        }
        return ticks * 1000.0 / clockTicksPerSecond;
    }

    private static long ticks(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        String text;
        try {
            text = Files.readString(stat);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid + " (" + stat
                    + "): is it still running?", e);
        }
        // the command name may hold spaces and parentheses; it ends at the last ')'
        String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
        try {
            return Long.parseLong(fields[UTIME_AFTER_COMMAND]) + Long.parseLong(fields[STIME_AFTER_COMMAND]);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("unexpected format of " + stat + ": " + text, e));
        }
    }
}
