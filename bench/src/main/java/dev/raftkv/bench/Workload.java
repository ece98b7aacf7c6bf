package dev.raftkv.bench;

import java.util.Locale;

/** The operation mixes of the side-by-side table. */
enum Workload {
    PUT("put", 0),
    GET("linearizable get", 100),
    MIX("90/10 get/put", 90);

    private final String title;
    private final int readPercent;

    Workload(String title, int readPercent) {
        this.title = title;
        this.readPercent = readPercent;
    }

    /** How the table names it. */
    String title() {
        return title;
    }

    /** Share of (linearizable) gets, 0..100; the rest are puts. */
    int readPercent() {
        return readPercent;
    }

    /** The name on the command line and in result files: {@code put}, {@code get}, {@code mix}. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted ids */
    static Workload ofId(String id) {
        for (Workload workload : values()) {
            if (workload.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return workload;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + id + "': put, get or mix");
    }
}
