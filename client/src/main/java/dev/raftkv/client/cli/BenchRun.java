package dev.raftkv.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.raftkv.client.RaftKvException;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One closed-loop load run: {@link BenchOptions#concurrency()} workers, each with one
 * operation in flight that starts the next when it completes. A warm-up phase (not
 * measured) is followed by the measured phase, which ends after its duration or its
 * operation count, whichever comes first, and lasts until the operations in flight have
 * completed.
 * A progress line is printed every second.
 *
 * <p>Only operations started in the measured phase are measured, so with an operation count
 * the report counts exactly that many operations (successes plus errors).
 *
 * <p>Runs on the target's callback threads plus one timer thread; {@link #run()} blocks the
 * caller until the run is over, and at most {@link #DRAIN_TIMEOUT_NANOS} past its end for the
 * operations still in flight.
 */
public final class BenchRun {

    /** How long {@link #run()} waits, after the measured phase, for the operations still in flight. */
    static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static final long HIGHEST_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BenchTarget target;
    private final BenchOptions options;
    private final PrintWriter out;
    private final Recorder recorder = new Recorder(HIGHEST_LATENCY_MICROS, 3);
    private final Recorder warmupRecorder = new Recorder(HIGHEST_LATENCY_MICROS, 3);
    private final Map<String, LongAdder> errorsByKind = new ConcurrentHashMap<>();
    private final LongAdder intervalErrors = new LongAdder();
    private final AtomicLong measuredStarted = new AtomicLong();
    private final AtomicLong nextKey = new AtomicLong();
    private final CountDownLatch workersDone;
    private final long startNanos = System.nanoTime();
    private volatile boolean measuring;
    private volatile boolean stopping;
    private volatile long measureStartNanos;

    /**
     * A run of {@code options} against {@code target}, printing its progress lines on {@code out}.
     * The options' consistency is the target's business (see {@link BenchTarget#get}).
     */
    public BenchRun(BenchTarget target, BenchOptions options, PrintWriter out) {
        this.target = target;
        this.options = options;
        this.out = out;
        this.workersDone = new CountDownLatch(options.concurrency());
    }

    /**
     * Runs to the end and reports the measured phase.
     *
     * @throws IllegalStateException when operations are still in flight {@link #DRAIN_TIMEOUT_NANOS}
     *     after the end of the run (a target that lets a call hang)
     */
    public BenchReport run() throws InterruptedException {
        Histogram total = new Histogram(HIGHEST_LATENCY_MICROS, 3);
        long measureEndNanos;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "raftkv-bench-timer");
            thread.setDaemon(true);
            return thread;
        });
        try {
            if (options.warmup().isZero()) {
                startMeasuring();
            } else {
                timer.schedule(this::startMeasuring, options.warmup().toNanos(), TimeUnit.NANOSECONDS);
            }
            timer.schedule(this::stop, options.warmup().plus(options.duration()).toNanos(), TimeUnit.NANOSECONDS);
            long[] lastTickNanos = {startNanos};
            timer.scheduleAtFixedRate(() -> lastTickNanos[0] = progress(lastTickNanos[0], total),
                    PROGRESS_INTERVAL_NANOS, PROGRESS_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
            for (int worker = 0; worker < options.concurrency(); worker++) {
                new Worker(worker).next();
            }
            long runNanos = options.warmup().plus(options.duration()).toNanos();
            if (!workersDone.await(runNanos + DRAIN_TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
                stop();
                throw new IllegalStateException(workersDone.getCount() + " of " + options.concurrency()
                        + " workers still wait for an operation " + TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NANOS)
                        + " s after the end of the run");
            }
            measureEndNanos = System.nanoTime();
        } finally {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }
        total.add(recorder.getIntervalHistogram());
        Map<String, Long> errors = new java.util.TreeMap<>();
        errorsByKind.forEach((kind, count) -> errors.put(kind, count.sum()));
        return new BenchReport(total.getTotalCount(), Math.max(0, measureEndNanos - measureStartNanos), total, errors);
    }

    private void startMeasuring() {
        measureStartNanos = System.nanoTime();
        measuring = true;
    }

    private void stop() {
        stopping = true;
    }

    /** Prints one progress line; runs on the timer thread. Returns the time of this tick. */
    private long progress(long lastTickNanos, Histogram total) {
        long now = System.nanoTime();
        Histogram interval = measuring ? recorder.getIntervalHistogram() : warmupRecorder.getIntervalHistogram();
        if (measuring) {
            total.add(interval);
        }
        double seconds = (now - lastTickNanos) / 1e9;
        out.printf(Locale.ROOT, "[%4ds] %10.1f ops/s  p99 %s  errors %d%s%n",
                Math.round((now - startNanos) / 1e9),
                interval.getTotalCount() / seconds,
                BenchReport.millis(interval.getValueAtPercentile(99)),
                intervalErrors.sumThenReset(),
                measuring ? "" : "  (warm-up)");
        out.flush();
        return now;
    }

    /** One closed loop: starts an operation, and the next when it completes. */
    private final class Worker {
        private final SplittableRandom random;
        private final ByteString value;

        Worker(int index) {
            this.random = new SplittableRandom(options.seed() + index);
            byte[] bytes = new byte[options.valueSizeBytes()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) ('a' + random.nextInt(26));
            }
            this.value = ByteString.copyFrom(bytes);
        }

        void next() {
            boolean measured = measuring;
            if (stopping || (measured && options.maxOps() > 0 && measuredStarted.incrementAndGet() > options.maxOps())) {
                stop();
                workersDone.countDown();
                return;
            }
            ByteString key = key(options.sequential()
                    ? (int) (nextKey.getAndIncrement() % options.keySpace()) : random.nextInt(options.keySpace()));
            boolean read = random.nextInt(100) < options.readPercent();
            long startedNanos = System.nanoTime();
            CompletableFuture<?> operation = read ? target.get(key) : target.put(key, value);
            operation.whenComplete((result, error) -> {
                if (error == null) {
                    long micros = Math.min(HIGHEST_LATENCY_MICROS, (System.nanoTime() - startedNanos) / 1_000);
                    (measured ? recorder : warmupRecorder).recordValue(micros);
                } else {
                    intervalErrors.increment();
                    if (measured) {
                        errorsByKind.computeIfAbsent(kind(error), k -> new LongAdder()).increment();
                    }
                }
                next();
            });
        }
    }

    /** The key of number {@code index}: {@code bench-} and ten digits (String.format costs more than a put here). */
    public static ByteString key(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("key number " + index + " is negative");
        }
        byte[] key = {'b', 'e', 'n', 'c', 'h', '-', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
        for (int i = key.length - 1, rest = index; rest > 0; i--, rest /= 10) {
            key[i] = (byte) ('0' + rest % 10);
        }
        return UnsafeByteOperations.unsafeWrap(key);
    }

    static String kind(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        String name = cause.getClass().getSimpleName();
        if (cause.getClass() == RaftKvException.class) {
            return name + "(" + ((RaftKvException) cause).statusCode() + ")";
        }
        if (cause instanceof StatusRuntimeException status) {
            return name + "(" + status.getStatus().getCode() + ")";
        }
        return name;
    }
}
