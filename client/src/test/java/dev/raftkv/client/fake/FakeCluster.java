package dev.raftkv.client.fake;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.MemberStatus;
import dev.raftkv.proto.ServerLimits;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A few fake {@code Kv} nodes on 127.0.0.1 (Netty, ephemeral ports) sharing one
 * {@link FakeStore}: any node serves any request (followers "forward") unless
 * {@link #followersRedirect(boolean)} makes followers answer UNAVAILABLE with the leader
 * trailers. Records every request. Thread-safe.
 */
public final class FakeCluster implements AutoCloseable {

    private final FakeStore store = new FakeStore();
    private final Map<String, Server> serversById = new LinkedHashMap<>();
    private final Map<String, String> addressById = new LinkedHashMap<>();
    private static final int GRPC_DEFAULT_MAX_MESSAGE_BYTES = 4 << 20;

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> callsStarted = new CopyOnWriteArrayList<>();
    private final ServerLimits limits;
    private final List<Fault> faults = new ArrayList<>();
    private final Set<String> blackholed = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pipelineStreams = new AtomicInteger();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fake-cluster-deadlines");
        thread.setDaemon(true);
        return thread;
    });
    private volatile String leaderId;
    private volatile boolean followersRedirect;
    private final Set<String> removed = ConcurrentHashMap.newKeySet();

    private FakeCluster(int size, int maxMessageBytes, ServerLimits limits) {
        this.limits = limits;
        for (int i = 1; i <= size; i++) {
            String id = "n" + i;
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .maxInboundMessageSize(maxMessageBytes)
                    .addService(ServerInterceptors.intercept(new FakeNode(id, this), new ServerInterceptor() {
                        @Override
                        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                ServerCallHandler<Q, R> next) {
                            callsStarted.add(call.getMethodDescriptor().getBareMethodName());
                            return next.startCall(call, headers);
                        }
                    }))
                    .build();
            try {
                server.start();
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            }
            serversById.put(id, server);
            addressById.put(id, "127.0.0.1:" + server.getPort());
        }
        leaderId = "n1";
    }

    /** Nodes {@code n1..n<size>}, started, with {@code n1} as leader; gRPC's default message limit, no limits in Status. */
    public static FakeCluster start(int size) {
        return new FakeCluster(size, GRPC_DEFAULT_MAX_MESSAGE_BYTES, null);
    }

    /**
     * Nodes whose gRPC ports read messages of at most {@code maxMessageBytes} and whose Status
     * answers report {@code limits} (null: report none, as a node of an older version).
     */
    public static FakeCluster start(int size, int maxMessageBytes, ServerLimits limits) {
        return new FakeCluster(size, maxMessageBytes, limits);
    }

    /** The limits Status reports, or null. */
    ServerLimits limits() {
        return limits;
    }

    /**
     * The bare names of the calls clients started, in order: also those gRPC refused before
     * the node's handler ran (an over-long message), which {@link #received()} does not see.
     */
    public List<String> callsStarted() {
        return List.copyOf(callsStarted);
    }

    public FakeStore store() {
        return store;
    }

    public String address(String nodeId) {
        return addressById.get(nodeId);
    }

    /** Every node's address, comma-separated, in id order. */
    public String endpoints() {
        return String.join(",", addressById.values());
    }

    public String leaderId() {
        return leaderId;
    }

    /** Names {@code nodeId} as leader in every header from now on; empty means no leader. */
    public void leader(String nodeId) {
        this.leaderId = nodeId;
    }

    /** From now on {@code nodeId} answers every request as a node removed from the cluster does. */
    public void removed(String nodeId) {
        removed.add(nodeId);
    }

    boolean isRemoved(String nodeId) {
        return removed.contains(nodeId);
    }

    /** The {@code raftkv-members} trailer a removed node sends: every other node, {@code id=address}. */
    String membersExcept(String nodeId) {
        StringBuilder members = new StringBuilder();
        addressById.forEach((id, address) -> {
            if (!id.equals(nodeId) && !removed.contains(id)) {
                members.append(members.length() == 0 ? "" : ",").append(id).append('=').append(address);
            }
        });
        return members.toString();
    }

    boolean followersRedirect() {
        return followersRedirect;
    }

    public void followersRedirect(boolean redirect) {
        this.followersRedirect = redirect;
    }

    /** The next request of {@code fault.method()} meets the fault. Faults apply in the order injected. */
    public synchronized void inject(Fault fault) {
        faults.add(fault);
    }

    synchronized Fault takeFault(String method, ByteString key) {
        for (Iterator<Fault> it = faults.iterator(); it.hasNext();) {
            Fault fault = it.next();
            if (fault.method().equals(method) && (fault.key() == null || fault.key().equals(key))) {
                it.remove();
                return fault;
            }
        }
        return null;
    }

    /** From now on requests of {@code method} are never answered (nor applied). */
    public void blackhole(String method) {
        blackholed.add(method);
    }

    boolean isBlackholed(String method) {
        return blackholed.contains(method);
    }

    void record(Received request) {
        received.add(request);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> received(String method) {
        return received.stream().filter(r -> r.method().equals(method)).collect(Collectors.toList());
    }

    List<MemberStatus> members() {
        List<MemberStatus> members = new ArrayList<>();
        addressById.forEach((id, address) -> members.add(MemberStatus.newBuilder().setId(id)
                .setPeerAddress("127.0.0.1:1").setClientAddress(address).setKind("voter").build()));
        return members;
    }

    /** Stops node {@code nodeId}: its port refuses connections from now on. */
    public void stop(String nodeId) {
        Server server = serversById.get(nodeId);
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many Kv.Pipeline streams clients opened to any node. */
    public int pipelineStreams() {
        return pipelineStreams.get();
    }

    ScheduledExecutorService pipelineOpened() {
        pipelineStreams.incrementAndGet();
        return deadlines;
    }

    @Override
    public void close() {
        serversById.keySet().forEach(this::stop);
        deadlines.shutdownNow();
    }
}
