package dev.raftkv.server;

import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.RaftPeerGrpc;
import dev.raftkv.proto.StreamSummary;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Outgoing peer traffic: one long-lived {@code RaftPeer.Stream} per peer carries this
 * node's Raft messages in order, and unary {@code Forward} calls carry client writes
 * to the leader. Sending never blocks the event loop. When a peer cannot keep up,
 * messages beyond a bounded backlog are dropped: Raft recovers from lost messages
 * (heartbeat responses re-probe the follower), memory does not grow without bound.
 */
final class PeerTransport implements ForwardCalls, AutoCloseable {

    private static final Logger LOG = System.getLogger(PeerTransport.class.getName());
    /** Messages handed to a stream that is not ready before further ones are dropped. */
    private static final int MAX_UNREADY_MESSAGES = 4096;
    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A message to a node with no known address is logged at most once per node in this time. */
    static final long UNKNOWN_NODE_REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String selfId;
    private final EventLoopGroup eventLoop;
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    /** Messages dropped for want of an address, per destination; touched by the event loop only. */
    private final Map<String, UnknownNode> unknown = new java.util.HashMap<>();

    /** Drops to one node without an address, since the last report of them. */
    private static final class UnknownNode {
        long reportedAtNanos;
        long droppedSinceReport;
    }

    /** Mutual TLS with member identity; null: plaintext. */
    private final PeerTls tls;

    PeerTransport(String selfId, Collection<Member> members, ThreadFactory threadFactory, LongSupplier nanoClock) {
        this(selfId, members, threadFactory, nanoClock, null);
    }

    /** @param tls mutual TLS on every peer connection, each verifying the member it dials; null: plaintext */
    PeerTransport(String selfId, Collection<Member> members, ThreadFactory threadFactory, LongSupplier nanoClock,
                  PeerTls tls) {
        this.selfId = selfId;
        this.nanoClock = nanoClock;
        this.tls = tls;
        this.eventLoop = new NioEventLoopGroup(1, threadFactory);
        for (Member member : members) {
            if (!member.id().equals(selfId)) {
                links.put(member.id(), new Link(member));
            }
        }
    }

    /**
     * Connects to members not connected yet, or whose address changed. Called by the
     * event loop when the configuration changes. Connections to nodes that left the
     * configuration stay: a removed leader still needs the answers to its appends until
     * it has committed its own removal, and an idle connection costs nothing.
     */
    void updateMembers(Collection<Member> members) {
        for (Member member : members) {
            if (member.id().equals(selfId)) {
                continue;
            }
            Link link = links.get(member.id());
            if (link == null || !link.member.peerAddress().equals(member.peerAddress())) {
                if (link != null) {
                    link.retire();
                }
                links.put(member.id(), new Link(member));
            }
        }
    }

    /** The channel to peer {@code id}, or null when it is not a member. */
    io.grpc.Channel channel(String id) {
        Link link = links.get(id);
        return link == null ? null : link.channel;
    }

    /**
     * Sends {@code m} to {@code m.getTo()}. A message to a node whose address is not known
     * (not in {@code raftkv.members}, not in the configuration's member addresses) is
     * dropped and reported, at most once per node per {@link #UNKNOWN_NODE_REPORT_NANOS}.
     * Called by the event loop.
     */
    void send(Message m) {
        Link link = links.get(m.getTo());
        if (link != null) {
            link.send(m);
        } else {
            droppedForUnknown(m);
        }
    }

    private void droppedForUnknown(Message m) {
        long now = nanoClock.getAsLong();
        UnknownNode node = unknown.get(m.getTo());
        boolean first = node == null;
        if (first) {
            node = new UnknownNode();
            unknown.put(m.getTo(), node);
        }
        node.droppedSinceReport++;
        if (first || now - node.reportedAtNanos >= UNKNOWN_NODE_REPORT_NANOS) {
            long dropped = node.droppedSinceReport;
            LOG.log(Level.WARNING, () -> "node " + selfId + ": no address known for node " + m.getTo() + ": dropped "
                    + dropped + " message(s) to it since the last report (the latest a " + m.getType().name()
                    + "); it is neither in raftkv.members nor in the member addresses of the configuration");
            node.reportedAtNanos = now;
            node.droppedSinceReport = 0;
        }
    }


    /** Forwards a request (a client's write, a membership change, a transfer) to the leader {@code leaderId}. */
    @Override
    public CompletableFuture<ForwardResponse> forward(String leaderId, ForwardRequest request, long deadlineMillis) {
        Link link = links.get(leaderId);
        if (link == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no connection to node " + leaderId));
        }
        return forward(link.channel, request, deadlineMillis);
    }

    /**
     * Sends a request to the node at {@code peerAddress}, which need not be a known
     * member (a joining node asks a member of the cluster it joins).
     */
    CompletableFuture<ForwardResponse> forwardToAddress(String peerAddress, ForwardRequest request,
                                                        long deadlineMillis) {
        ManagedChannel channel = channel(peerAddress, null);
        return forward(channel, request, deadlineMillis).whenComplete((r, e) -> channel.shutdownNow());
    }

    /** A channel to {@code peerAddress}; with TLS, the server must prove it is {@code expectedId} (null: any member). */
    private ManagedChannel channel(String peerAddress, String expectedId) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(peerAddress)
                .eventLoopGroup(eventLoop).channelType(NioSocketChannel.class).directExecutor();
        if (tls == null) {
            builder.negotiationType(NegotiationType.PLAINTEXT);
        } else {
            builder.negotiationType(NegotiationType.TLS).sslContext(tls.clientContext(expectedId));
        }
        return builder.build();
    }

    private static CompletableFuture<ForwardResponse> forward(io.grpc.Channel channel, ForwardRequest request,
                                                              long deadlineMillis) {
        CompletableFuture<ForwardResponse> future = new CompletableFuture<>();
        RaftPeerGrpc.newStub(channel).withDeadlineAfter(Math.max(1, deadlineMillis), TimeUnit.MILLISECONDS)
                .forward(request, new StreamObserver<>() {
                    @Override
                    public void onNext(ForwardResponse value) {
                        future.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        future.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        // onNext completed the future
                    }
                });
        return future;
    }

    long dropped() {
        return links.values().stream().mapToLong(l -> l.dropped).sum();
    }

    @Override
    public void close() {
        for (Link link : links.values()) {
            link.close();
        }
        eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The connection to one peer. Its methods are called by the event loop; gRPC callbacks touch only volatile state. */
    private final class Link {
        private final Member member;
        private final ManagedChannel channel;
        private ClientCallStreamObserver<Message> stream;
        private volatile boolean broken;
        private volatile int unready;
        private long reconnectAfterNanos;
        private long dropped;
        private boolean warned;

        Link(Member member) {
            this.member = member;
            this.channel = PeerTransport.this.channel(member.peerAddress(), member.id());
        }

        void send(Message m) {
            if (stream == null || broken) {
                if (!open()) {
                    dropped++;
                    return;
                }
            }
            if (!stream.isReady() && unready >= MAX_UNREADY_MESSAGES) {
                dropped++;
                return;
            }
            if (!stream.isReady()) {
                unready++;
            }
            try {
                stream.onNext(m);
            } catch (IllegalStateException e) {
                // The call ended between our check and the send; reopen on the next message.
                broken = true;
                dropped++;
            }
        }

        private boolean open() {
            long now = nanoClock.getAsLong();
            if (stream != null && now - reconnectAfterNanos < 0) {
                return false;
            }
            if (stream != null) {
                stream.cancel("reconnecting", null);
            }
            reconnectAfterNanos = now + RECONNECT_PAUSE_NANOS;
            // gRPC backs off reconnecting exponentially (up to minutes); a peer that was down a
            // while and is back must be reached at once, or its votes and ours go unanswered
            // (a failover took 14 s that way): try the connection again at our own pace
            if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                channel.resetConnectBackoff();
            }
            broken = false;
            unready = 0;
            stream = (ClientCallStreamObserver<Message>) RaftPeerGrpc.newStub(channel).stream(
                    new ClientResponseObserver<Message, StreamSummary>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
                            requestStream.setOnReadyHandler(() -> unready = 0);
                        }

                        @Override
                        public void onNext(StreamSummary value) {
                            // the peer closed its side in order
                        }

                        @Override
                        public void onError(Throwable t) {
                            broken = true;
                            if (!warned) {
                                warned = true;
                                LOG.log(Level.DEBUG, () -> selfId + ": stream to " + member.id() + " at "
                                        + member.peerAddress() + " broke: " + t.getMessage());
                            }
                        }

                        @Override
                        public void onCompleted() {
                            broken = true;
                        }
                    });
            return true;
        }

        void close() {
            if (stream != null) {
                stream.cancel("node stopping", null);
            }
            channel.shutdownNow();
        }

        /** The peer left the configuration: stop streaming, let calls in flight (forwarded requests) finish. */
        void retire() {
            if (stream != null && !broken) {
                try {
                    stream.onCompleted();
                } catch (IllegalStateException e) {
                    // already ended
                }
            }
            channel.shutdown();
        }
    }
}
