package dev.raftkv.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The node's two embedded Netty gRPC servers, peer and client, each on its own port
 * with its own event-loop groups and executor (and the timer of pipelined requests'
 * deadlines), all shut down on close (shared static
 * loops would outlive an application undeploy).
 */
final class GrpcEndpoints implements AutoCloseable {

    private final Server peerServer;
    private final Server clientServer;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;
    private final ScheduledExecutorService deadlines;

    private GrpcEndpoints(Server peerServer, Server clientServer, EventLoopGroup boss, EventLoopGroup workers,
                          ExecutorService executor, ScheduledExecutorService deadlines) {
        this.peerServer = peerServer;
        this.clientServer = clientServer;
        this.boss = boss;
        this.workers = workers;
        this.executor = executor;
        this.deadlines = deadlines;
    }

    static GrpcEndpoints start(RaftServer node, ThreadFactory threadFactory) {
        return start(node, threadFactory, null, null);
    }

    /**
     * @param peerTls mutual TLS with member identity on the peer port; null: plaintext
     * @param clientTls TLS on the client port; null: plaintext
     */
    static GrpcEndpoints start(RaftServer node, ThreadFactory threadFactory, PeerTls peerTls, ClientTls clientTls) {
        NodeConfig config = node.config();
        EventLoopGroup boss = new NioEventLoopGroup(1, threadFactory);
        EventLoopGroup workers = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                threadFactory);
        ExecutorService executor = Executors.newFixedThreadPool(
                Math.max(4, Runtime.getRuntime().availableProcessors() * 2), threadFactory);
        // the deadlines of pipelined requests (a unary call's deadline is gRPC's own)
        ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1, threadFactory);
        // most requests answer long before their deadline: drop their timers at once
        deadlines.setRemoveOnCancelPolicy(true);
        NettyServerBuilder peerBuilder = build(config.bindHost(), config.peerPort(), boss, workers, executor)
                .addStreamTracerFactory(new OversizedMessages(config.nodeId(), "peer"));
        if (peerTls != null) {
            peerBuilder.sslContext(peerTls.serverContext())
                    .addService(ServerInterceptors.intercept(new RaftPeerService(node, TimeSource.SYSTEM),
                            peerTls.interceptor()));
        } else {
            peerBuilder.addService(new RaftPeerService(node, TimeSource.SYSTEM));
        }
        Server peer = peerBuilder.build();
        NettyServerBuilder clientBuilder = build(config.bindHost(), config.clientPort(), boss, workers, executor)
                .addStreamTracerFactory(new OversizedMessages(config.nodeId(), "client"))
                .addService(new KvService(node, TimeSource.SYSTEM, deadlines))
                // etcd's v3 API beside raftkv.v1 (etcdctl, jetcd, python etcd3 ...)
                .addService(new EtcdKvService(node, TimeSource.SYSTEM))
                .addService(new EtcdMaintenanceService(node))
                .addService(new EtcdClusterService(node));
        if (clientTls != null) {
            clientBuilder.sslContext(clientTls.serverContext());
        }
        Server client = clientBuilder.build();
        try {
            peer.start();
        } catch (IOException e) {
            shutdown(boss, workers, executor, deadlines);
            throw new ConfigException("raftkv.peer.port", "cannot listen on " + config.bindHost() + ":"
                    + config.peerPort() + ": " + e.getMessage());
        }
        try {
            client.start();
        } catch (IOException e) {
            peer.shutdownNow();
            shutdown(boss, workers, executor, deadlines);
            throw new ConfigException("raftkv.client.port", "cannot listen on " + config.bindHost() + ":"
                    + config.clientPort() + ": " + e.getMessage());
        }
        return new GrpcEndpoints(peer, client, boss, workers, executor, deadlines);
    }

    private static NettyServerBuilder build(String host, int port, EventLoopGroup boss, EventLoopGroup workers,
                                            ExecutorService executor) {
        return NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                .channelType(NioServerSocketChannel.class).executor(executor)
                .maxInboundMessageSize(OversizedMessages.MAX_MESSAGE_BYTES);
    }

    int peerPort() {
        return peerServer.getPort();
    }

    int clientPort() {
        return clientServer.getPort();
    }

    @Override
    public void close() {
        clientServer.shutdown();
        // Peer streams live as long as the peers do: nothing to drain there.
        peerServer.shutdownNow();
        try {
            if (!clientServer.awaitTermination(5, TimeUnit.SECONDS)) {
                clientServer.shutdownNow();
            }
            peerServer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            clientServer.shutdownNow();
            peerServer.shutdownNow();
        }
        shutdown(boss, workers, executor, deadlines);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers, ExecutorService executor,
                                 ScheduledExecutorService deadlines) {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        executor.shutdownNow();
        deadlines.shutdownNow();
    }

}
