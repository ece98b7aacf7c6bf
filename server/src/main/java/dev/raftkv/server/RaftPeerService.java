package dev.raftkv.server;

import dev.raftkv.proto.Command;
import dev.raftkv.proto.ForwardRequest;
import dev.raftkv.proto.ForwardResponse;
import dev.raftkv.proto.Message;
import dev.raftkv.proto.RaftPeerGrpc;
import dev.raftkv.proto.StreamSummary;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/** The peer-facing service: Raft messages in, and writes forwarded by followers. */
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
        Command command;
        try {
            command = Command.parseFrom(request.getCommand());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("forwarded command does not parse: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        Deadline deadline = Context.current().getDeadline();
        long remaining = deadline == null ? server.config().requestTimeout().toNanos()
                : deadline.timeRemaining(TimeUnit.NANOSECONDS);
        server.write(command, time.nanoTime() + remaining, true).whenComplete((applied, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, server.config()));
            } else {
                out.onNext(ForwardResponse.newBuilder().setResult(applied.result().toByteString())
                        .setIndex(applied.index()).build());
                out.onCompleted();
            }
        });
    }
}
