package dev.raftkv.client.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Times and sizes as people read them in the CLI's tables. */
final class HumanUnits {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    private HumanUnits() {
    }

    /** {@code 2026-12-02 12:30:01Z (5m ago)}; a time of zero or less is "-". */
    static String time(long epochMillis, long nowMillis) {
        if (epochMillis <= 0) {
            return "-";
        }
        return TIME.format(Instant.ofEpochMilli(epochMillis)) + " (" + age(nowMillis - epochMillis) + ")";
    }

    static String age(long millis) {
        long seconds = Math.max(0, millis / 1000);
        if (seconds < 60) {
            return seconds + "s ago";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m ago";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h" + (seconds % 3600) / 60 + "m ago";
        }
        return seconds / 86_400 + "d" + (seconds % 86_400) / 3600 + "h ago";
    }

    /** {@code 512 B}, {@code 1.2 KiB}, {@code 970.0 MiB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
