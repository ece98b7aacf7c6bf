package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftkv.proto.Message;
import dev.raftkv.proto.MessageType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class PeerTransportTest {

    /**
     * gRPC waits 1 s, 1.6 s, 2.6 s, 4.1 s ... between attempts to reach an unreachable address. A peer
     * that comes back after a while must not wait that out: each time the transport has something to send
     * and its pause between attempts (100 ms) has passed, it tries the connection again. Five attempts take
     * about 9 s on gRPC's schedule, half a second on the transport's.
     */
    @Test
    void an_unreachable_peer_is_tried_again_at_the_transports_pace_not_grpcs_growing_backoff() throws Exception {
        // a "peer" that accepts each connection and closes it at once: every attempt fails, and is counted
        AtomicInteger attempts = new AtomicInteger();
        try (ServerSocket refusing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!refusing.isClosed()) {
                    try (Socket connection = refusing.accept()) {
                        attempts.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "refusing-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            Member peer = new Member("p2", "127.0.0.1", refusing.getLocalPort(), 0);
            try (PeerTransport transport = new PeerTransport("p1", List.of(peer), Thread::new, System::nanoTime)) {
                Message heartbeat = Message.newBuilder().setType(MessageType.MSG_HEARTBEAT).setFrom("p1")
                        .setTo("p2").setTerm(1).build();

                await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    transport.send(heartbeat);
                    return attempts.get() >= 5;
                });
            }
        }
        assertThat(attempts.get()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void a_message_to_a_node_without_a_known_address_is_reported_once_per_node_per_interval_with_the_node_id() {
        Logger logger = Logger.getLogger(PeerTransport.class.getName());
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        AtomicLong nanos = new AtomicLong(1_000);
        try (PeerTransport transport = new PeerTransport("n4", List.of(), Thread::new, nanos::get)) {
            Message toN1 = Message.newBuilder().setType(MessageType.MSG_APPEND_RESPONSE).setFrom("n4").setTo("n1")
                    .build();
            transport.send(toN1);
            transport.send(toN1);
            transport.send(toN1.toBuilder().setTo("n2").build());
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("no address known for node n1").contains("MSG_APPEND_RESPONSE");
            assertThat(warnings.get(1)).contains("no address known for node n2");

            nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
            transport.send(toN1);

            assertThat(warnings).hasSize(3);
            assertThat(warnings.get(2)).contains("node n1").contains("dropped 2 message(s)");
        } finally {
            logger.removeHandler(handler);
        }
    }
}
