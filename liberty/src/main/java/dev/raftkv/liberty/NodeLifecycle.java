package dev.raftkv.liberty;

import dev.raftkv.raft.Role;
import dev.raftkv.server.ConfigException;
import dev.raftkv.server.NodeStatus;
import dev.raftkv.server.RaftServer;
import dev.raftkv.server.TimeSource;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.Config;

/**
 * Starts this application's raftkv node when the application starts and stops it when the application stops.
 *
 * <p>Start: the settings are read and validated first ({@link LibertyConfig}, {@link Preflight}: data directory,
 * ports); a bad one throws a {@link ConfigException} naming the property, which fails the application start, so
 * the application never runs half-configured. The node itself then starts on a managed thread as soon as the
 * application is up (an error there stops it and shows in liveness and the log). The node's threads (event loop, apply path, transport, gRPC event loops) come from the
 * container's {@link ManagedThreadFactory}.
 *
 * <p>Stop, on the container's thread: a leader first hands leadership to an up-to-date follower (so the cluster
 * does not wait out an election timeout), then the node stops accepting requests, lets the calls in flight
 * finish, and closes its transport, apply path and log store ({@link RaftServer#close()}).
 */
@ApplicationScoped
public class NodeLifecycle {

    private static final Logger LOG = System.getLogger(NodeLifecycle.class.getName());

    @Inject
    Config config;

    @Inject
    Event<NodeStarted> started;

    @Inject
    Event<NodeStopping> stopping;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threadFactory;

    private volatile LibertyConfig settings;
    private volatile RaftServer server;
    private volatile Thread starter;
    private volatile Throwable startFailure;

    void start(@Observes @Initialized(ApplicationScoped.class) Object event) {
        LibertyConfig loaded;
        try {
            loaded = LibertyConfig.load(config);
            Preflight.check(loaded.node());
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "raftkv: bad configuration, the node does not start: " + e.getMessage());
            throw e;
        }
        settings = loaded;
        // so that the node's stop and hand-over lines reach messages.log when the JVM exits on SIGTERM
        ShutdownLogging.keepHandlersAtExit(java.util.logging.LogManager.getLogManager());
        RaftServer node = new RaftServer(loaded.node(), TimeSource.SYSTEM,
                new SplittableRandom(new SecureRandom().nextLong()), threadFactory);
        server = node;
        // A managed thread runs only once the application has finished initialising (it takes the application's
        // context), and the node's gRPC start waits for its managed event-loop threads: start it from one.
        starter = threadFactory.newThread(() -> run(node, loaded));
        starter.setName("raftkv-start-" + loaded.node().nodeId());
        starter.start();
    }

    private void run(RaftServer node, LibertyConfig loaded) {
        try {
            node.start();
        } catch (RuntimeException e) {
            startFailure = e;
            LOG.log(Level.ERROR, "raftkv: node " + loaded.node().nodeId() + " cannot start: " + e.getMessage(), e);
            return;
        }
        started.fire(new NodeStarted(node, loaded));
        LOG.log(Level.INFO, "raftkv node " + loaded.node().nodeId() + " serving clients on "
                + loaded.node().bindHost() + ":" + node.clientPort() + ", peers on " + node.peerPort() + ", backend "
                + loaded.node().walBackend() + ", data in " + loaded.node().dataDir());
    }

    void stop(@Observes @BeforeDestroyed(ApplicationScoped.class) Object event) {
        stop();
    }

    /** Also on the bean's destruction, in case the container ends the application without the event. */
    @PreDestroy
    void destroy() {
        stop();
    }

    private void stop() {
        RaftServer node;
        synchronized (this) {
            node = server;
            server = null;
        }
        if (node == null) {
            return;
        }
        Thread starting = starter;
        if (starting != null) {
            try {
                starting.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!node.isRunning()) {
            node.close();
            ShutdownLogging.restoreResetAtExit(java.util.logging.LogManager.getLogManager());
            return;
        }
        NodeStatus status = node.status();
        LOG.log(Level.INFO, "raftkv node " + status.nodeId() + " stopping as " + status.role() + " in term "
                + status.term());
        try {
            stopping.fire(new NodeStopping(node));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "raftkv: an observer of the node's stop failed: " + e, e);
        }
        handOver(node, settings.drainTimeoutMillis());
        node.close();
        LOG.log(Level.INFO, "raftkv node " + status.nodeId() + " stopped");
        ShutdownLogging.restoreResetAtExit(java.util.logging.LogManager.getLogManager());
    }

    /**
     * A leader hands leadership to its most up-to-date voter before it goes, so that the cluster need not wait
     * out an election timeout; a failure here only costs that election.
     */
    private static void handOver(RaftServer node, long timeoutMillis) {
        NodeStatus status = node.status();
        if (status.role() != Role.LEADER || timeoutMillis == 0) {
            return;
        }
        Optional<NodeStatus.MemberStatus> successor = status.members().stream()
                .filter(member -> member.voter() && !member.id().equals(status.nodeId()))
                .min(Comparator.comparingLong(member -> member.lag() == null ? Long.MAX_VALUE : member.lag()));
        if (successor.isEmpty()) {
            return;
        }
        String target = successor.get().id();
        try {
            String leader = node.transferLeadership(target, System.nanoTime()
                    + TimeUnit.MILLISECONDS.toNanos(timeoutMillis)).get(timeoutMillis, TimeUnit.MILLISECONDS);
            LOG.log(Level.INFO, "raftkv node " + status.nodeId() + " handed leadership to " + leader);
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "raftkv node " + status.nodeId() + " could not hand leadership to " + target
                    + " (" + (e.getCause() == null ? e : e.getCause()) + "); the others will elect a leader");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The running node.
     *
     * @throws NodeNotRunningException before the node has started, after it stopped or failed
     */
    public RaftServer server() {
        RaftServer node = server;
        if (node == null || !node.isRunning()) {
            throw new NodeNotRunningException();
        }
        return node;
    }

    /** Whether the node is up (started, not stopped, no fatal error). */
    public boolean isRunning() {
        RaftServer node = server;
        return node != null && node.isRunning();
    }

    /** The error that stopped the node, if one did. */
    public Optional<Throwable> failure() {
        if (startFailure != null) {
            return Optional.of(startFailure);
        }
        RaftServer node = server;
        return node == null ? Optional.empty() : Optional.ofNullable(node.failure());
    }

    /** The validated settings; null before start. */
    public LibertyConfig settings() {
        return settings;
    }
}
