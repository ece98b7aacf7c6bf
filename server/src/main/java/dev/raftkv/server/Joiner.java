package dev.raftkv.server;

import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A node started with {@code raftkv.join}: asks the cluster, through the member at that
 * address, to add it as a learner, then (with auto-promotion) to promote it once it has
 * caught up; retries with backoff until it is a voter or the node stops. Each answer
 * teaches the node the members' addresses (it may know none but its own) and the index
 * it must apply to be caught up.
 *
 * <p>Threading: one thread of its own asks and waits; what an answer teaches is handed
 * to the event loop ({@code onLoop}), which owns the member directory and the join progress.
 */
final class Joiner {

    private static final Logger LOG = System.getLogger(Joiner.class.getName());

    private final NodeConfig config;
    private final PeerTransport transport;
    private final MemberDirectory directory;
    private final JoinProgress progress;
    private final TransitionLog transitions;
    private final Supplier<NodeStatus> status;
    private final IntSupplier clientPort;
    private final Consumer<Runnable> onLoop;
    private volatile boolean stopped;
    private Thread thread;

    Joiner(NodeConfig config, PeerTransport transport, MemberDirectory directory, JoinProgress progress,
           TransitionLog transitions, Supplier<NodeStatus> status, IntSupplier clientPort, Consumer<Runnable> onLoop) {
        this.config = config;
        this.transport = transport;
        this.directory = directory;
        this.progress = progress;
        this.transitions = transitions;
        this.status = status;
        this.clientPort = clientPort;
        this.onLoop = onLoop;
    }

    void start(ThreadFactory threadFactory) {
        thread = threadFactory.newThread(this::run);
        thread.setName("raftkv-join-" + config.nodeId());
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        Member self = config.self();
        ConfChange add = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER)
                .setNodeId(config.nodeId()).setPeerAddress(self.peerAddress())
                .setClientAddress(self.host() + ":" + clientPort.getAsInt()).build();
        ConfChange promote = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_PROMOTE)
                .setNodeId(config.nodeId()).build();
        long backoffMillis = 200;
        while (!stopped) {
            NodeStatus now = status.get();
            NodeStatus.MemberStatus me = now.member(config.nodeId());
            boolean added = me != null;
            if (added && (me.voter() || !config.joinAutoPromote())) {
                transitions.event("joined", now.term(), "as=" + (me.voter() ? "voter" : "learner"));
                // Added without an answer to its own request (an administrator was first, or the answer was
                // lost): it is caught up once it has applied what the cluster had committed when it saw itself.
                onLoop.accept(() -> {
                    if (progress.targetIndex() == 0) {
                        progress.learned(Math.max(1, status.get().commitIndex()));
                    }
                });
                return;
            }
            ConfChange change = added ? promote : add;
            try {
                ForwardResponse response = transport.forwardToAddress(config.join(),
                        ForwardRequest.newBuilder().setConfChange(change).setMayForward(true).build(),
                        config.requestTimeout().toMillis()).get();
                LOG.log(Level.INFO, "node " + config.nodeId() + ": " + change.getType() + " accepted at index "
                        + response.getIndex() + "; voters=" + response.getConf().getVotersList() + " learners="
                        + response.getConf().getLearnersList());
                onLoop.accept(() -> learned(response));
            } catch (ExecutionException e) {
                String why = String.valueOf(e.getCause().getMessage());
                if (!why.contains("ALREADY_MEMBER") && !why.contains("NOT_A_LEARNER")) {
                    LOG.log(Level.INFO, "node " + config.nodeId() + ": " + change.getType() + " via " + config.join()
                            + " not done yet: " + why);
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, 2_000);
        }
    }

    /** On the event loop: what the cluster's answer to a membership request of this node teaches it. */
    private void learned(ForwardResponse response) {
        Map<String, Member> learned = directory.learnedFromJoin(response.getConf());
        transport.updateMembers(directory.reachable().values());
        progress.learned(response.getIndex());
        transitions.event("join-answer", status.get().term(), "index=" + response.getIndex() + " members="
                + learned.keySet());
    }
}
