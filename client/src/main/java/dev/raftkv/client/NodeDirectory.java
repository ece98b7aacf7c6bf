package dev.raftkv.client;

import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.MemberStatus;
import dev.raftkv.proto.ResponseHeader;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the client knows about the cluster: the node addresses, one channel per address,
 * node ids and their addresses, and the cached leader.
 *
 * <p>Knowledge comes from answers: every {@link ResponseHeader} names the answering node and
 * the leader it knows; an {@code UNAVAILABLE} answer's trailers name the leader's id and
 * address; a {@code Status} answer lists every member with its client address. When a
 * header names a leader whose address is unknown, one {@code Status} call is made in the
 * background to learn it. An address the client was given and a node's own id are tied
 * together when that node answers; Status addresses only fill in ids not known that way, so
 * a node that advertises an address the client cannot reach still works when it was given.
 *
 * <p>Thread-safe; no method blocks except {@link #close(Duration)}.
 */
final class NodeDirectory implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeDirectory.class.getName());
    /** The largest answer read: what a node reads itself (its scan pages stay far below). */
    static final int MAX_ANSWER_BYTES = 64 << 20;

    private final List<String> addresses = new CopyOnWriteArrayList<>();
    private final Map<String, ManagedChannel> channelsByAddress = new ConcurrentHashMap<>();
    private final Map<String, String> addressByNodeId = new ConcurrentHashMap<>();
    /** Node ids whose address is known from the node answering itself (not from Status). */
    private final Map<String, Boolean> answeredIds = new ConcurrentHashMap<>();
    private final AtomicInteger nextRoundRobin = new AtomicInteger();
    private final AtomicBoolean refreshInFlight = new AtomicBoolean();
    private final Duration callTimeout;
    private final RequestLimits limits = new RequestLimits();
    private volatile String leaderAddress;
    private volatile boolean closed;

    NodeDirectory(List<String> endpoints, Duration callTimeout) {
        this(endpoints, callTimeout, InsecureChannelCredentials.create());
    }

    /** @param credentials of every channel: plaintext, or TLS ({@link ClientOptions.Builder#tls}) */
    NodeDirectory(List<String> endpoints, Duration callTimeout, io.grpc.ChannelCredentials credentials) {
        this.addresses.addAll(endpoints);
        this.callTimeout = callTimeout;
        this.credentials = credentials;
    }

    private final io.grpc.ChannelCredentials credentials;

    /** The known addresses, given ones first; a snapshot. */
    List<String> addresses() {
        return List.copyOf(addresses);
    }

    /** The cluster's size limits, as learned from Status answers. */
    RequestLimits limits() {
        return limits;
    }

    /** The cached leader's address, or null when unknown. */
    String leaderAddress() {
        return leaderAddress;
    }

    /** The address a node id is known at, or null. */
    String addressOf(String nodeId) {
        return addressByNodeId.get(nodeId);
    }

    /**
     * The address for the next attempt: {@code redirect} when not null, else the cached
     * leader under {@link Routing#LEADER}, else the next address round-robin. An address
     * other than {@code avoid} is chosen when there is one.
     */
    String target(Routing routing, String redirect, String avoid) {
        if (redirect != null) {
            addAddress(redirect);
            return redirect;
        }
        String leader = leaderAddress;
        if (routing == Routing.LEADER && leader != null && !leader.equals(avoid)) {
            return leader;
        }
        List<String> known = addresses();
        for (int i = 0; i < known.size(); i++) {
            String candidate = known.get(Math.floorMod(nextRoundRobin.getAndIncrement(), known.size()));
            if (!candidate.equals(avoid) || known.size() == 1) {
                return candidate;
            }
        }
        return known.get(0);
    }

    /** The channel to {@code address}, created on first use. */
    ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        return channelsByAddress.computeIfAbsent(address, a -> Grpc.newChannelBuilder(a, credentials)
                // The client retries itself, with the write header unchanged; gRPC's own
                // transparent retries would hide attempts from that accounting.
                .disableRetry()
                // a node sends answers up to its own limit (a value of raftkv.kv.max-value-bytes
                // is up to 8 MiB); gRPC's default of 4 MiB would refuse such a get every time
                .maxInboundMessageSize(MAX_ANSWER_BYTES)
                .build());
    }

    /** Learns from a successful answer of the node at {@code address}. */
    void observe(String address, ResponseHeader header) {
        String nodeId = header.getNodeId();
        if (!nodeId.isEmpty()) {
            addressByNodeId.put(nodeId, address);
            answeredIds.put(nodeId, Boolean.TRUE);
        }
        String leaderId = header.getLeaderId();
        if (leaderId.isEmpty()) {
            return;
        }
        String known = addressByNodeId.get(leaderId);
        if (known != null) {
            leaderAddress = known;
        } else {
            refreshMembers(address);
        }
    }

    /** Learns from an {@code UNAVAILABLE} answer's trailers; either may be null. */
    void observeRedirect(String leaderId, String address) {
        if (address == null || address.isEmpty()) {
            return;
        }
        if (leaderId != null && !leaderId.isEmpty() && !answeredIds.containsKey(leaderId)) {
            addressByNodeId.put(leaderId, address);
        }
        addAddress(address);
        leaderAddress = address;
    }

    /** Forgets the cached leader when it is the node at {@code address}, which just failed. */
    void observeFailure(String address) {
        if (Objects.equals(leaderAddress, address)) {
            leaderAddress = null;
        }
    }

    /** Learns the member list and the leader from a Status answer of the node at {@code address}. */
    void observeStatus(String address, StatusResponse status) {
        limits.learn(status);
        for (MemberStatus member : status.getMembersList()) {
            String clientAddress = member.getClientAddress();
            if (clientAddress.isEmpty() || answeredIds.containsKey(member.getId())) {
                continue;
            }
            try {
                Endpoints.requireHostPort(clientAddress);
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring member " + member.getId() + ": " + e.getMessage());
                continue;
            }
            addressByNodeId.put(member.getId(), clientAddress);
            addAddress(clientAddress);
        }
        observe(address, status.getHeader());
    }

    /**
     * The node at {@code removedAddress} said it was removed from the cluster and named the
     * members ({@code id=host:port,...}, the {@code raftkv-members} trailer): learns them and
     * stops sending to that node (unless it is the only address known).
     *
     * @return a member's address to send to instead, or null when it named none usable
     */
    String observeRemoved(String removedAddress, String members) {
        String elsewhere = null;
        for (String entry : members.split(",")) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String id = entry.substring(0, eq).trim();
            String address = entry.substring(eq + 1).trim();
            try {
                Endpoints.requireHostPort(address);
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring member " + id + ": " + e.getMessage());
                continue;
            }
            if (!answeredIds.containsKey(id)) {
                addressByNodeId.put(id, address);
            }
            String known = addressByNodeId.get(id);
            addAddress(known);
            if (elsewhere == null && !known.equals(removedAddress)) {
                elsewhere = known;
            }
        }
        if (Objects.equals(leaderAddress, removedAddress)) {
            leaderAddress = null;
        }
        if (elsewhere != null) {
            addresses.remove(removedAddress);
            addressByNodeId.values().removeIf(removedAddress::equals);
        }
        LOG.log(System.Logger.Level.INFO, "node at " + removedAddress + " was removed from the cluster; members: "
                + members);
        return elsewhere;
    }

    private void addAddress(String address) {
        if (!addresses.contains(address)) {
            addresses.add(address);
        }
    }

    private void refreshMembers(String address) {
        if (closed || !refreshInFlight.compareAndSet(false, true)) {
            return;
        }
        KvGrpc.newStub(channel(address))
                .withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .status(StatusRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(StatusResponse status) {
                        observeStatus(address, status);
                    }

                    @Override
                    public void onError(Throwable t) {
                        refreshInFlight.set(false);
                        LOG.log(System.Logger.Level.DEBUG, "member refresh from " + address + " failed", t);
                    }

                    @Override
                    public void onCompleted() {
                        refreshInFlight.set(false);
                    }
                });
    }

    /** Shuts every channel down, waiting up to {@code grace} in total, then forcibly. */
    void close(Duration grace) {
        closed = true;
        List<ManagedChannel> channels = new ArrayList<>(channelsByAddress.values());
        channels.forEach(ManagedChannel::shutdown);
        long deadlineNanos = System.nanoTime() + grace.toNanos();
        try {
            for (ManagedChannel channel : channels) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0 || !channel.awaitTermination(remaining, TimeUnit.NANOSECONDS)) {
                    channel.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            channels.forEach(ManagedChannel::shutdownNow);
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
