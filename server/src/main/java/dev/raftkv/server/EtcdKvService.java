package dev.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.kv.MvccException;
import dev.raftkv.proto.Command;
import dev.raftkv.proto.CommandResult;
import dev.raftkv.proto.EtcdCompact;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * etcd's v3 {@code KV} service ({@code etcdserverpb.KV}) on the node's client port. Writes
 * (Put, DeleteRange, Txn, Compact) go into the log as one {@code etcd_request} or
 * {@code etcd_compact} command each, applied by the state machine as one etcd transaction;
 * Range is served by ReadIndex (linearizable, the default) or at once ({@code serializable}).
 * Input etcd refuses is refused here, before the log, with etcd's gRPC code and message;
 * errors of the apply (compacted revision, ignore_value on a missing key) come back from the
 * state machine with etcd's messages too.
 */
final class EtcdKvService extends KVGrpc.KVImplBase {

    /** etcd's default {@code --max-txn-ops}. */
    static final int MAX_TXN_OPS = 128;

    private final RaftServer server;
    private final NodeConfig config;
    private final TimeSource time;

    EtcdKvService(RaftServer server, TimeSource time) {
        this.server = server;
        this.config = server.config();
        this.time = time;
    }

    /** etcd's response header: cluster and member id, the store's revision, the Raft term. */
    static ResponseHeader header(RaftServer server, long revision) {
        NodeStatus status = server.status();
        return ResponseHeader.newBuilder().setClusterId(EtcdIds.of(server.config().clusterId()))
                .setMemberId(EtcdIds.of(status.nodeId())).setRevision(revision).setRaftTerm(status.term()).build();
    }

    private record Read(RangeResponse response, long revision) {}

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
        StatusRuntimeException invalid = checkRange(request);
        if (invalid != null) {
            out.onError(invalid);
            return;
        }
        Function<dev.raftkv.kv.KvStateMachine, Object> read = sm -> {
            try {
                return new Read(sm.etcdRange(request), sm.revision());
            } catch (MvccException e) {
                return e;
            }
        };
        if (ErrorMapping.refusedAsRemoved(server, config, out)) {
            return;
        }
        CompletableFuture<Object> result = request.getSerializable()
                ? server.readSerializable(read) : server.readLinearizable(read, deadlineNanos());
        result.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, config));
            } else if (value instanceof MvccException e) {
                out.onError(status(e.code(), e.getMessage()));
            } else {
                Read done = (Read) value;
                out.onNext(done.response().toBuilder().setHeader(header(server, done.revision())).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> out) {
        RequestOp op = RequestOp.newBuilder().setRequestPut(request).build();
        write(op, checkOp(op), out, response -> response.getResponsePut().toBuilder());
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
        RequestOp op = RequestOp.newBuilder().setRequestDeleteRange(request).build();
        write(op, checkOp(op), out, response -> response.getResponseDeleteRange().toBuilder());
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
        RequestOp op = RequestOp.newBuilder().setRequestTxn(request).build();
        write(op, checkOp(op), out, response -> response.getResponseTxn().toBuilder());
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
        Command command = Command.newBuilder()
                .setEtcdCompact(EtcdCompact.newBuilder().setRevision(request.getRevision())).build();
        propose(command, out, result -> CompactionResponse.newBuilder()
                .setHeader(header(server, result.getRevision())).build());
    }

    /** The builders of etcd's responses share no interface; each one's setHeader is reached through this. */
    private <B extends com.google.protobuf.Message.Builder, R> void write(RequestOp op, StatusRuntimeException invalid,
            StreamObserver<R> out, Function<ResponseOp, B> pick) {
        if (invalid != null) {
            out.onError(invalid);
            return;
        }
        Command command = Command.newBuilder().setEtcdRequest(op.toByteString()).build();
        propose(command, out, result -> {
            ResponseOp response;
            try {
                response = ResponseOp.parseFrom(result.getEtcdResponse());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("the state machine answered an unreadable etcd response", e);
            }
            B builder = pick.apply(response);
            builder.setField(builder.getDescriptorForType().findFieldByName("header"),
                    header(server, result.getRevision()));
            @SuppressWarnings("unchecked")
            R built = (R) builder.build();
            return built;
        });
    }

    private <R> void propose(Command command, StreamObserver<R> out, Function<CommandResult, R> respond) {
        if (ErrorMapping.refusedAsRemoved(server, config, out)) {
            return;
        }
        server.write(command, deadlineNanos(), false).whenComplete((applied, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, config));
            } else if (applied.result().getCode() != CommandResult.Code.OK) {
                out.onError(status(applied.result().getCode(), applied.result().getMessage()));
            } else {
                out.onNext(respond.apply(applied.result()));
                out.onCompleted();
            }
        });
    }

    /** etcd's gRPC status for an error of the multi-version store. */
    static StatusRuntimeException status(CommandResult.Code code, String message) {
        Status status = switch (code) {
            case ETCD_COMPACTED, ETCD_FUTURE_REVISION -> Status.OUT_OF_RANGE;
            case ETCD_KEY_NOT_FOUND, ETCD_INVALID -> Status.INVALID_ARGUMENT;
            default -> Status.INTERNAL;
        };
        return status.withDescription(message).asRuntimeException();
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private StatusRuntimeException checkKey(ByteString key) {
        if (key.isEmpty()) {
            return invalid("etcdserver: key is not provided");
        }
        return key.size() > config.maxKeyBytes() ? invalid("etcdserver: request is too large") : null;
    }

    private StatusRuntimeException checkRange(RangeRequest request) {
        StatusRuntimeException key = checkKey(request.getKey());
        if (key != null) {
            return key;
        }
        if (request.getSortOrderValue() < 0 || request.getSortOrderValue() > 2 || request.getSortTargetValue() < 0
                || request.getSortTargetValue() > 4) {
            return invalid("etcdserver: invalid sort option");
        }
        return null;
    }

    /** etcd's checks of a write op, recursively through a txn; null when it may go into the log. */
    private StatusRuntimeException checkOp(RequestOp op) {
        return switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkKey(op.getRequestDeleteRange().getKey());
            case REQUEST_TXN -> checkTxn(op.getRequestTxn());
            case REQUEST_NOT_SET -> invalid("etcdserver: a request op has no request");
        };
    }

    private StatusRuntimeException checkPut(PutRequest put) {
        StatusRuntimeException key = checkKey(put.getKey());
        if (key != null) {
            return key;
        }
        if (put.getLease() != 0 || put.getIgnoreLease()) {
            return Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asRuntimeException();
        }
        if (put.getIgnoreValue() && !put.getValue().isEmpty()) {
            return invalid("etcdserver: value is provided");
        }
        return put.getValue().size() > config.maxValueBytes() ? invalid("etcdserver: request is too large") : null;
    }

    private StatusRuntimeException checkTxn(TxnRequest txn) {
        if (txn.getCompareCount() > MAX_TXN_OPS || txn.getSuccessCount() > MAX_TXN_OPS
                || txn.getFailureCount() > MAX_TXN_OPS) {
            return invalid("etcdserver: too many operations in txn request");
        }
        for (io.etcd.jetcd.api.Compare compare : txn.getCompareList()) {
            if (compare.getKey().isEmpty()) {
                return invalid("etcdserver: key is not provided");
            }
            if (compare.getTargetValue() < 0 || compare.getTargetValue() > 3 || compare.getResultValue() < 0
                    || compare.getResultValue() > 3) {
                return invalid("etcdserver: unknown compare target or result");
            }
        }
        for (java.util.List<RequestOp> branch : java.util.List.of(txn.getSuccessList(), txn.getFailureList())) {
            Set<ByteString> putKeys = new HashSet<>();
            for (RequestOp op : branch) {
                StatusRuntimeException invalid = checkOp(op);
                if (invalid != null) {
                    return invalid;
                }
                if (op.hasRequestPut() && !putKeys.add(op.getRequestPut().getKey())) {
                    return invalid("etcdserver: duplicate key given in txn request");
                }
            }
        }
        return null;
    }

    private long deadlineNanos() {
        Deadline deadline = Context.current().getDeadline();
        long remaining = deadline == null ? config.requestTimeout().toNanos()
                : deadline.timeRemaining(TimeUnit.NANOSECONDS);
        return time.nanoTime() + remaining;
    }
}
