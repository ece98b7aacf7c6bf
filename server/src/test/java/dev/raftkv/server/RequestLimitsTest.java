package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.ScanRequest;
import dev.raftkv.proto.ScanResponse;
import dev.raftkv.proto.ServerLimits;
import dev.raftkv.proto.StatusRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node tells clients about its size limits, and how it treats requests and answers beyond them. */
class RequestLimitsTest {

    private static final Duration CALL = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void startNode() {
        root.addHandler(capture);
        cluster = new LocalCluster(dir, 1, "memory", 17).startAll();
        await().atMost(Duration.ofSeconds(15)).until(() -> cluster.leader().isPresent());
    }

    @AfterEach
    void stop() {
        cluster.close();
        root.removeHandler(capture);
    }

    @Test
    void when_a_client_asks_for_status_then_it_learns_the_node_limits() {
        ServerLimits limits = cluster.client("n1", CALL).status(StatusRequest.getDefaultInstance()).getLimits();

        assertThat(limits.getMaxKeyBytes()).isEqualTo(4096);
        assertThat(limits.getMaxValueBytes()).isEqualTo(1 << 20);
        assertThat(limits.getMaxMessageBytes()).isEqualTo(64 << 20);
    }

    @Test
    void when_a_request_is_over_the_message_limit_then_the_node_logs_one_line_and_no_stack_trace() {
        PutRequest oversized = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFrom(new byte[(64 << 20) + 1])).build();

        assertThatThrownBy(() -> cluster.client("n1", CALL).put(oversized))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

        await().atMost(Duration.ofSeconds(10)).until(() -> !refusals().isEmpty());
        assertThat(refusals()).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
            assertThat(record.getThrown()).isNull();
            assertThat(record.getMessage()).contains("node n1 refused a raftkv.v1.Kv/Put request on its client port")
                    .contains("gRPC message exceeds maximum size 67108864").contains("nothing was applied");
        });
        assertThat(logged).filteredOn(record -> record.getThrown() != null).isEmpty();
    }

    private List<LogRecord> refusals() {
        return logged.stream().filter(r -> OversizedMessages.class.getName().equals(r.getLoggerName())).toList();
    }

    @Test
    void when_a_scan_meets_large_values_then_its_pages_stay_within_the_byte_budget() {
        ByteString value = ByteString.copyFrom(new byte[1 << 20]);
        for (int i = 0; i < 6; i++) {
            PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("big/" + i)).setValue(value).build();
            cluster.client("n1", CALL).put(put);
        }

        ScanResponse first = cluster.client("n1", CALL).scan(ScanRequest.newBuilder()
                .setPrefix(ByteString.copyFromUtf8("big/")).setLimit(100).build());

        assertThat(first.getPairsCount()).isBetween(1, 4);
        assertThat(first.getMore()).isTrue();
        assertThat(first.getPairsList().stream().mapToLong(p -> p.getKey().size() + p.getValue().size()).sum())
                .isLessThanOrEqualTo(KvService.MAX_SCAN_PAGE_BYTES);
    }
}
