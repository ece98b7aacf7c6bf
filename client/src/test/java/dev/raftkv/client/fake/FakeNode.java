package dev.raftkv.client.fake;

import com.google.protobuf.ByteString;
import dev.raftkv.proto.AddRequest;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CompareAndSetRequest;
import dev.raftkv.proto.DeleteRequest;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.GetResponse;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.PipelineRequest;
import dev.raftkv.proto.PipelineResponse;
import dev.raftkv.proto.OpenSessionRequest;
import dev.raftkv.proto.OpenSessionResponse;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.ResponseHeader;
import dev.raftkv.proto.ScanRequest;
import dev.raftkv.proto.ScanResponse;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import dev.raftkv.proto.Trailers;
import dev.raftkv.proto.WriteHeader;
import dev.raftkv.proto.WriteResponse;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/**
 * One fake node's {@code Kv} service: answers from the cluster's shared {@link FakeStore}
 * like the real server's contract, with the cluster's leader in every header, optional
 * redirects from followers and injected {@link Fault}s.
 */
final class FakeNode extends KvGrpc.KvImplBase {

    private final String nodeId;
    private final FakeCluster cluster;

    FakeNode(String nodeId, FakeCluster cluster) {
        this.nodeId = nodeId;
        this.cluster = cluster;
    }

    String nodeId() {
        return nodeId;
    }

    /** Each request of the stream as its unary call, as the real node does. */
    @Override
    public StreamObserver<PipelineRequest> pipeline(StreamObserver<PipelineResponse> responses) {
        return KvPipeline.serve(this, responses, cluster.pipelineOpened());
    }

    @Override
    public void put(PutRequest request, StreamObserver<WriteResponse> observer) {
        write("Put", request.getWrite(), request.getKey(), observer,
                command(request.getWrite()).setPut(dev.raftkv.proto.Put.newBuilder()
                        .setKey(request.getKey()).setValue(request.getValue())).build());
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<WriteResponse> observer) {
        write("Delete", request.getWrite(), request.getKey(), observer,
                command(request.getWrite()).setDelete(dev.raftkv.proto.Delete.newBuilder().setKey(request.getKey())).build());
    }

    @Override
    public void add(AddRequest request, StreamObserver<WriteResponse> observer) {
        write("Add", request.getWrite(), request.getKey(), observer,
                command(request.getWrite()).setAdd(dev.raftkv.proto.Add.newBuilder()
                        .setKey(request.getKey()).setDelta(request.getDelta())).build());
    }

    @Override
    public void compareAndSet(CompareAndSetRequest request, StreamObserver<WriteResponse> observer) {
        write("CompareAndSet", request.getWrite(), request.getKey(), observer,
                command(request.getWrite()).setCompareAndSet(dev.raftkv.proto.CompareAndSet.newBuilder()
                        .setKey(request.getKey()).setExpectAbsent(request.getExpectAbsent())
                        .setExpectedValue(request.getExpectedValue()).setNewValue(request.getNewValue())).build());
    }

    @Override
    public void openSession(OpenSessionRequest request, StreamObserver<OpenSessionResponse> observer) {
        read("OpenSession", null, observer, () -> OpenSessionResponse.newBuilder()
                .setHeader(header()).setSessionId(cluster.store().openSession()).build());
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        read("Get", request.getKey(), observer, () -> {
            ByteString value = cluster.store().get(request.getKey());
            return GetResponse.newBuilder().setHeader(header()).setFound(value != null)
                    .setValue(value == null ? ByteString.EMPTY : value).build();
        });
    }

    @Override
    public void scan(ScanRequest request, StreamObserver<ScanResponse> observer) {
        read("Scan", null, observer, () -> {
            ByteString start = request.getStartKey();
            ByteString end = request.getEndKey();
            if (!request.getPrefix().isEmpty()) {
                start = request.getPrefix();
                end = dev.raftkv.client.ScanRange.prefixEnd(request.getPrefix());
            }
            FakeStore.Page page = cluster.store().scan(start, end, request.getLimit() == 0 ? 1000 : request.getLimit());
            return ScanResponse.newBuilder().setHeader(header()).addAllPairs(page.pairs()).setMore(page.more()).build();
        });
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        cluster.record(new Received(nodeId, "Status", null, Context.current().getDeadline()));
        StatusResponse.Builder status = StatusResponse.newBuilder().setHeader(header())
                .setRole(nodeId.equals(cluster.leaderId()) ? "LEADER" : "FOLLOWER")
                .setCommitIndex(cluster.store().appliedIndex()).setLastIndex(cluster.store().appliedIndex())
                .setFirstIndex(1);
        cluster.members().forEach(status::addMembers);
        if (cluster.limits() != null) {
            status.setLimits(cluster.limits());
        }
        observer.onNext(status.build());
        observer.onCompleted();
    }

    private static Command.Builder command(WriteHeader header) {
        return Command.newBuilder().setSessionId(header.getSessionId()).setSequence(header.getSequence())
                .setAckedSequence(header.getAckedSequence());
    }

    private ResponseHeader header() {
        return ResponseHeader.newBuilder().setNodeId(nodeId).setLeaderId(cluster.leaderId()).setTerm(1)
                .setAppliedIndex(cluster.store().appliedIndex()).build();
    }

    private void write(String method, WriteHeader write, ByteString key, StreamObserver<WriteResponse> observer,
            Command command) {
        cluster.record(new Received(nodeId, method, write, Context.current().getDeadline()));
        if (refused(observer)) {
            return;
        }
        Fault fault = cluster.takeFault(method, key);
        if (fault != null && fault.kind() == Fault.Kind.FAIL) {
            observer.onError(Status.fromCode(fault.code()).withDescription("injected").asRuntimeException());
            return;
        }
        if (key.isEmpty()) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("key: must not be empty").asRuntimeException());
            return;
        }
        if (cluster.isBlackholed(method)) {
            return;
        }
        CommandResult result = cluster.store().apply(command);
        if (fault != null && fault.kind() == Fault.Kind.APPLY_EXPIRE_THEN_FAIL) {
            cluster.store().expireSession(write.getSessionId());
        }
        if (fault != null && fault.kind() != Fault.Kind.HOLD) {
            observer.onError(Status.fromCode(fault.code()).withDescription("injected: reply lost").asRuntimeException());
            return;
        }
        Runnable answer = () -> answerWrite(result, observer);
        if (fault != null) {
            fault.release().thenRun(answer);
        } else {
            answer.run();
        }
    }

    private void answerWrite(CommandResult result, StreamObserver<WriteResponse> observer) {
        try {
            if (result.getCode() == CommandResult.Code.OK) {
                observer.onNext(WriteResponse.newBuilder().setHeader(header()).setResult(result).build());
                observer.onCompleted();
                return;
            }
            Metadata trailers = new Metadata();
            trailers.put(Trailers.RESULT, result);
            Status status = result.getCode() == CommandResult.Code.OVERFLOW ? Status.OUT_OF_RANGE : Status.FAILED_PRECONDITION;
            observer.onError(status.withDescription(result.getMessage()).asRuntimeException(trailers));
        } catch (RuntimeException callAlreadyCancelled) {
            // The client gave up on this call; nothing to answer.
        }
    }

    private <R> void read(String method, ByteString key, StreamObserver<R> observer, Supplier<R> answer) {
        cluster.record(new Received(nodeId, method, null, Context.current().getDeadline()));
        if (refused(observer)) {
            return;
        }
        Fault fault = cluster.takeFault(method, key);
        if (fault != null && fault.kind() != Fault.Kind.HOLD) {
            observer.onError(Status.fromCode(fault.code()).withDescription("injected").asRuntimeException());
            return;
        }
        if (key != null && key.isEmpty()) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("key: must not be empty").asRuntimeException());
            return;
        }
        if (cluster.isBlackholed(method)) {
            return;
        }
        R response = answer.get();
        Runnable send = () -> {
            try {
                observer.onNext(response);
                observer.onCompleted();
            } catch (RuntimeException callAlreadyCancelled) {
                // The client gave up on this call; nothing to answer.
            }
        };
        if (fault != null) {
            fault.release().thenRun(send);
        } else {
            send.run();
        }
    }

    /**
     * A removed node refuses everything naming the others, as the real one does; in redirect
     * mode a follower answers UNAVAILABLE naming the leader, like a node without forwarding.
     */
    private boolean refused(StreamObserver<?> observer) {
        if (cluster.isRemoved(nodeId)) {
            Metadata trailers = new Metadata();
            trailers.put(Trailers.MEMBERS, cluster.membersExcept(nodeId));
            observer.onError(Status.FAILED_PRECONDITION.withDescription("NODE_REMOVED: node " + nodeId
                    + " was removed from the cluster").asRuntimeException(trailers));
            return true;
        }
        if (!cluster.followersRedirect() || nodeId.equals(cluster.leaderId())) {
            return false;
        }
        Metadata trailers = new Metadata();
        String leaderId = cluster.leaderId();
        if (!leaderId.isEmpty()) {
            trailers.put(Trailers.LEADER_ID, leaderId);
            trailers.put(Trailers.LEADER_ADDRESS, cluster.address(leaderId));
        }
        observer.onError(Status.UNAVAILABLE.withDescription("not the leader").asRuntimeException(trailers));
        return true;
    }
}
