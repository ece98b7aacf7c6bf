package dev.raftkv.kv;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.Put;

/**
 * The README's heap figures (not a test): retained heap per live key and per history entry of the
 * multi-version store, measured as the used heap after full GCs around the writes.
 * Run: {@code java -cp kv/target/classes:kv/target/test-classes:CLASSPATH dev.raftkv.kv.MvccHeapFigures [puts]}.
 */
public final class MvccHeapFigures {

    private MvccHeapFigures() {}

    public static void main(String[] args) {
        int puts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        ByteString value = ByteString.copyFrom(new byte[16]);
        long empty = usedAfterGc();
        KvStateMachine live = new KvStateMachine(SessionLimits.DEFAULT, new HistoryLimits(1));
        for (int i = 0; i < puts; i++) {
            live.apply(i + 1, put(String.format("key/%08d", i), value));
        }
        long withKeys = usedAfterGc();
        System.out.printf("live keys: %,d puts of distinct 12-byte keys, 16-byte values, history 1 revision: %.0f bytes"
                + " per live key (key and value bytes included)%n", puts, (withKeys - empty) / (double) puts);

        int keys = 1_000;
        KvStateMachine history = new KvStateMachine(SessionLimits.DEFAULT, new HistoryLimits(puts + 1));
        long index = 0;
        for (int i = 0; i < keys; i++) {
            history.apply(++index, put(String.format("key/%08d", i), value));
        }
        long base = usedAfterGc();
        for (int i = 0; i < puts; i++) {
            history.apply(++index, put(String.format("key/%08d", i % keys), value));
        }
        long withHistory = usedAfterGc();
        System.out.printf("history: %,d overwrites of %,d keys, all revisions kept: %.0f bytes per history entry%n",
                puts, keys, (withHistory - base) / (double) puts);
        System.out.println("(kept reachable: " + live.size() + " + " + history.revision() + ")");
    }

    private static Command put(String key, ByteString value) {
        return Command.newBuilder().setPut(Put.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(value))
                .build();
    }

    private static long usedAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
