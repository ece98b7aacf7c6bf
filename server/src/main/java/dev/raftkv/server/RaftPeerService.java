package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandBatch;
import dev.raftkv.proto.CommandOutcome;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.InstallSnapshotResponse;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.SnapshotChunk;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.RaftPeerGrpc;
import dev.raftkv.proto.StreamSummary;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The peer-facing service: Raft messages in, requests forwarded by followers, snapshots from the leader. */
final class RaftPeerService extends RaftPeerGrpc.RaftPeerImplBase {

    private final RaftServer server;
    private final TimeSource time;

    RaftPeerService(RaftServer server, TimeSource time) {
        this.server = server;
        this.time = time;
    }

    @Override
    public StreamObserver<Message> stream(StreamObserver<StreamSummary> out) {
        return new StreamObserver<>() {
            private long received;

            @Override
            public void onNext(Message message) {
                received++;
                server.receive(message);
            }

            @Override
            public void onError(Throwable t) {
                // The peer went away; it opens a new stream when it has something to say.
            }

            @Override
            public void onCompleted() {
                out.onNext(StreamSummary.newBuilder().setMessagesReceived(received).build());
                out.onCompleted();
            }
        };
    }

    @Override
    public void forward(ForwardRequest request, StreamObserver<ForwardResponse> out) {
        Deadline deadline = Context.current().getDeadline();
        long remaining = deadline == null ? server.config().requestTimeout().toNanos()
                : deadline.timeRemaining(TimeUnit.NANOSECONDS);
        long deadlineNanos = time.nanoTime() + remaining;
        switch (request.getRequestCase()) {
            case COMMAND -> forwardCommand(request, deadlineNanos, out);
            case COMMANDS -> forwardCommands(request.getCommands(), deadlineNanos, out);
            case CONF_CHANGE -> server.changeMembership(request.getConfChange(), deadlineNanos,
                    !request.getMayForward())
                    .whenComplete((applied, error) -> answer(out, error,
                            () -> ForwardResponse.newBuilder().setConf(applied.conf()).setIndex(applied.index())
                                    .build()));
            case TRANSFER_TO -> server.transferLeadership(request.getTransferTo(), deadlineNanos,
                    !request.getMayForward())
                    .whenComplete((leader, error) -> answer(out, error,
                            () -> ForwardResponse.newBuilder().setLeaderId(leader).build()));
            default -> out.onError(Status.INVALID_ARGUMENT.withDescription("empty forwarded request")
                    .asRuntimeException());
        }
    }

    private void forwardCommand(ForwardRequest request, long deadlineNanos, StreamObserver<ForwardResponse> out) {
        Command command;
        try {
            command = Command.parseFrom(request.getCommand());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("forwarded command does not parse: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        server.write(command, deadlineNanos, true).whenComplete((applied, error) -> answer(out, error,
                () -> ForwardResponse.newBuilder().setResult(applied.result().toByteString())
                        .setIndex(applied.index()).build()));
    }

    /** A follower's batch: each command proposed as a forwarded write; one answer when all have an outcome. */
    private void forwardCommands(CommandBatch batch, long deadlineNanos, StreamObserver<ForwardResponse> out) {
        List<CompletableFuture<CommandOutcome>> outcomes = new ArrayList<>(batch.getCommandsCount());
        for (ByteString bytes : batch.getCommandsList()) {
            CompletableFuture<CommandOutcome> outcome = new CompletableFuture<>();
            outcomes.add(outcome);
            Command command;
            try {
                command = Command.parseFrom(bytes);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                outcome.complete(CommandOutcome.newBuilder().setError(KvPipeline.error(Status.INVALID_ARGUMENT
                        .withDescription("forwarded command does not parse: " + e.getMessage()).asRuntimeException()))
                        .build());
                continue;
            }
            // stamped again here, like a single forwarded write: the log's timestamps come from the leader's clock
            server.write(command, deadlineNanos, true).whenComplete((applied, error) -> {
                if (error == null) {
                    outcome.complete(CommandOutcome.newBuilder().setResult(applied.result().toByteString())
                            .setIndex(applied.index()).build());
                } else {
                    outcome.complete(CommandOutcome.newBuilder()
                            .setError(KvPipeline.error(ErrorMapping.toStatus(error, server.config()))).build());
                }
            });
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).whenComplete((done, error) -> {
            ForwardResponse.Builder response = ForwardResponse.newBuilder();
            outcomes.forEach(outcome -> response.addOutcomes(outcome.join()));
            try {
                out.onNext(response.build());
                out.onCompleted();
            } catch (RuntimeException callEnded) {
                // the follower gave up on the call (deadline, or it went away)
            }
        });
    }

    private void answer(StreamObserver<ForwardResponse> out, Throwable error, Supplier<ForwardResponse> response) {
        if (error != null) {
            out.onError(ErrorMapping.toStatus(error, server.config()));
        } else {
            out.onNext(response.get());
            out.onCompleted();
        }
    }

    @Override
    public StreamObserver<SnapshotChunk> installSnapshot(StreamObserver<InstallSnapshotResponse> out) {
        return server.snapshotReceiver().receive(out);
    }
}
