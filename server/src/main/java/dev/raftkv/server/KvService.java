package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.kv.KeyValue;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.proto.Add;
import dev.raftkv.proto.AddRequest;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.CompareAndSet;
import dev.raftkv.proto.CompareAndSetRequest;
import dev.raftkv.proto.Consistency;
import dev.raftkv.proto.Delete;
import dev.raftkv.proto.DeleteRequest;
import dev.raftkv.proto.GetRequest;
import dev.raftkv.proto.GetResponse;
import dev.raftkv.proto.KeyValuePair;
import dev.raftkv.proto.KvGrpc;
import dev.raftkv.proto.KvPipeline;
import dev.raftkv.proto.MemberStatus;
import dev.raftkv.proto.OpenSession;
import dev.raftkv.proto.OpenSessionRequest;
import dev.raftkv.proto.OpenSessionResponse;
import dev.raftkv.proto.PipelineRequest;
import dev.raftkv.proto.PipelineResponse;
import dev.raftkv.proto.Put;
import dev.raftkv.proto.PutRequest;
import dev.raftkv.proto.ResponseHeader;
import dev.raftkv.proto.ScanRequest;
import dev.raftkv.proto.ScanResponse;
import dev.raftkv.proto.ServerLimits;
import dev.raftkv.proto.StatusRequest;
import dev.raftkv.proto.StatusResponse;
import dev.raftkv.proto.WriteHeader;
import dev.raftkv.proto.WriteResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The client-facing {@code Kv} gRPC service of one node. It refuses bad input before
 * anything reaches the log (INVALID_ARGUMENT naming the field and the limit), passes
 * writes to {@link RaftServer#write} (which forwards to the leader when needed), serves
 * reads by ReadIndex or locally, and maps every outcome to a gRPC status (see
 * {@link dev.raftkv.proto.Trailers}).
 */
final class KvService extends KvGrpc.KvImplBase {

    static final int DEFAULT_SCAN_LIMIT = 1_000;
    static final int MAX_SCAN_LIMIT = 10_000;
    /** Keys and values in one scan answer, at most (one pair may exceed it alone). */
    static final int MAX_SCAN_PAGE_BYTES = 4 << 20;

    private final RaftServer server;
    private final NodeConfig config;
    private final TimeSource time;
    private final ScheduledExecutorService deadlines;

    KvService(RaftServer server, TimeSource time, ScheduledExecutorService deadlines) {
        this.server = server;
        this.config = server.config();
        this.time = time;
        this.deadlines = deadlines;
    }

    /** Many requests on one stream, each handled by its unary method below (see {@link KvPipeline}). */
    @Override
    public StreamObserver<PipelineRequest> pipeline(StreamObserver<PipelineResponse> out) {
        return KvPipeline.serve(this, out, deadlines);
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> out) {
        if (!validKey(request.getKey(), out)) {
            return;
        }
        read(request.getConsistency(), sm -> sm.get(request.getKey()), out, value -> GetResponse.newBuilder()
                .setHeader(header()).setFound(value.isPresent()).setValue(value.orElse(ByteString.EMPTY)).build());
    }

    @Override
    public void put(PutRequest request, StreamObserver<WriteResponse> out) {
        if (validKey(request.getKey(), out) && validValue("value", request.getValue(), out)) {
            write(command(request.getWrite()).setPut(Put.newBuilder().setKey(request.getKey())
                    .setValue(request.getValue())), out);
        }
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<WriteResponse> out) {
        if (validKey(request.getKey(), out)) {
            write(command(request.getWrite()).setDelete(Delete.newBuilder().setKey(request.getKey())), out);
        }
    }

    @Override
    public void add(AddRequest request, StreamObserver<WriteResponse> out) {
        if (validKey(request.getKey(), out)) {
            write(command(request.getWrite()).setAdd(Add.newBuilder().setKey(request.getKey())
                    .setDelta(request.getDelta())), out);
        }
    }

    @Override
    public void compareAndSet(CompareAndSetRequest request, StreamObserver<WriteResponse> out) {
        if (!validKey(request.getKey(), out) || !validValue("new_value", request.getNewValue(), out)
                || !validValue("expected_value", request.getExpectedValue(), out)) {
            return;
        }
        if (request.getExpectAbsent() && !request.getExpectedValue().isEmpty()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(
                    "expect_absent and expected_value exclude each other").asRuntimeException());
            return;
        }
        write(command(request.getWrite()).setCompareAndSet(CompareAndSet.newBuilder().setKey(request.getKey())
                .setExpectAbsent(request.getExpectAbsent()).setExpectedValue(request.getExpectedValue())
                .setNewValue(request.getNewValue())), out);
    }

    @Override
    public void scan(ScanRequest request, StreamObserver<ScanResponse> out) {
        int limit = request.getLimit() == 0 ? DEFAULT_SCAN_LIMIT : request.getLimit();
        if (limit > MAX_SCAN_LIMIT) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("limit " + limit + " is above the maximum "
                    + MAX_SCAN_LIMIT).asRuntimeException());
            return;
        }
        boolean byPrefix = !request.getPrefix().isEmpty();
        if (byPrefix && (!request.getStartKey().isEmpty() || !request.getEndKey().isEmpty())) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(
                    "give either prefix or start_key/end_key, not both").asRuntimeException());
            return;
        }
        Function<KvStateMachine, List<KeyValue>> scan = byPrefix
                ? sm -> sm.scanPrefix(request.getPrefix(), limit + 1)
                : sm -> sm.scan(request.getStartKey(), request.getEndKey(), limit + 1);
        read(request.getConsistency(), scan, out, pairs -> scanPage(pairs, limit));
    }

    /**
     * The answer of a scan that read {@code pairs} (up to {@code limit + 1}): at most
     * {@code limit} pairs, ending early once their keys and values reach
     * {@link #MAX_SCAN_PAGE_BYTES} (always at least one pair), with {@code more} set when pairs
     * were left out. Without the byte budget a page of large values could exceed what a client
     * reads in one message, and that scan could never succeed.
     */
    private ScanResponse scanPage(List<KeyValue> pairs, int limit) {
        ScanResponse.Builder response = ScanResponse.newBuilder().setHeader(header());
        long bytes = 0;
        int taken = 0;
        for (KeyValue kv : pairs) {
            if (taken == limit || (taken > 0 && bytes + kv.key().size() + kv.value().size() > MAX_SCAN_PAGE_BYTES)) {
                break;
            }
            response.addPairs(KeyValuePair.newBuilder().setKey(kv.key()).setValue(kv.value()));
            bytes += kv.key().size() + kv.value().size();
            taken++;
        }
        return response.setMore(taken < pairs.size()).build();
    }

    @Override
    public void openSession(OpenSessionRequest request, StreamObserver<OpenSessionResponse> out) {
        if (ErrorMapping.refusedAsRemoved(server, config, out)) {
            return;
        }
        Command command = Command.newBuilder().setOpenSession(OpenSession.getDefaultInstance()).build();
        server.write(command, deadlineNanos(), false).whenComplete((applied, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, config));
            } else {
                out.onNext(OpenSessionResponse.newBuilder().setHeader(header())
                        .setSessionId(applied.result().getSessionId()).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        NodeStatus status = server.status();
        StatusResponse.Builder response = StatusResponse.newBuilder().setHeader(header())
                .setRole(status.role().name()).setCommitIndex(status.commitIndex())
                .setLastIndex(status.lastIndex()).setFirstIndex(status.firstIndex())
                .setRemoved(status.removed()).setJoining(status.joining());
        for (NodeStatus.MemberStatus member : status.members()) {
            response.addMembers(MemberStatus.newBuilder().setId(member.id()).setPeerAddress(member.peerAddress())
                    .setClientAddress(Optional.ofNullable(member.clientAddress()).orElse(""))
                    .setKind(member.voter() ? "voter" : "learner")
                    .setMatchIndex(Optional.ofNullable(member.matchIndex()).orElse(0L)));
        }
        response.setLimits(ServerLimits.newBuilder().setMaxKeyBytes(config.maxKeyBytes())
                .setMaxValueBytes(config.maxValueBytes()).setMaxMessageBytes(OversizedMessages.MAX_MESSAGE_BYTES));
        out.onNext(response.build());
        out.onCompleted();
    }

    private static Command.Builder command(WriteHeader header) {
        return Command.newBuilder().setSessionId(header.getSessionId()).setSequence(header.getSequence())
                .setAckedSequence(header.getAckedSequence());
    }

    private void write(Command.Builder command, StreamObserver<WriteResponse> out) {
        if (ErrorMapping.refusedAsRemoved(server, config, out)) {
            return;
        }
        server.write(command.build(), deadlineNanos(), false).whenComplete((applied, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, config));
            } else if (applied.result().getCode() != CommandResult.Code.OK) {
                out.onError(ErrorMapping.forResult(applied.result()));
            } else {
                out.onNext(WriteResponse.newBuilder().setHeader(header()).setResult(applied.result()).build());
                out.onCompleted();
            }
        });
    }

    private <T, R> void read(Consistency consistency, Function<KvStateMachine, T> read, StreamObserver<R> out,
                             Function<T, R> respond) {
        if (ErrorMapping.refusedAsRemoved(server, config, out)) {
            return;
        }
        CompletableFuture<T> result = consistency == Consistency.SERIALIZABLE
                ? server.readSerializable(read) : server.readLinearizable(read, deadlineNanos());
        result.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, config));
            } else {
                out.onNext(respond.apply(value));
                out.onCompleted();
            }
        });
    }

    private ResponseHeader header() {
        NodeStatus status = server.status();
        return ResponseHeader.newBuilder().setNodeId(status.nodeId())
                .setLeaderId(status.leaderId() == null ? "" : status.leaderId())
                .setTerm(status.term()).setAppliedIndex(status.appliedIndex()).build();
    }

    private long deadlineNanos() {
        Deadline deadline = Context.current().getDeadline();
        long remaining = deadline == null ? config.requestTimeout().toNanos() : deadline.timeRemaining(TimeUnit.NANOSECONDS);
        return time.nanoTime() + remaining;
    }

    private boolean validKey(ByteString key, StreamObserver<?> out) {
        if (key.isEmpty()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("key must not be empty").asRuntimeException());
            return false;
        }
        if (key.size() > config.maxKeyBytes()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("key is " + key.size() + " bytes; the limit is "
                    + config.maxKeyBytes() + " (raftkv.kv.max-key-bytes)").asRuntimeException());
            return false;
        }
        return true;
    }

    private boolean validValue(String field, ByteString value, StreamObserver<?> out) {
        if (value.size() > config.maxValueBytes()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(field + " is " + value.size() + " bytes; the limit is "
                    + config.maxValueBytes() + " (raftkv.kv.max-value-bytes)").asRuntimeException());
            return false;
        }
        return true;
    }
}
