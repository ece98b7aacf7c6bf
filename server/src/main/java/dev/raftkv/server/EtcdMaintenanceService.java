package dev.raftkv.server;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.stub.StreamObserver;

/**
 * etcd's v3 {@code Maintenance} service, part 1: {@code Status} (what {@code etcdctl endpoint
 * status} shows), from this node's own view. The other calls answer UNIMPLEMENTED.
 */
final class EtcdMaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

    /** The etcd API version raftkv serves (what etcdctl shows as the server version). */
    static final String VERSION = "3.4.0";

    private final RaftServer server;

    EtcdMaintenanceService(RaftServer server) {
        this.server = server;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        server.readSerializable(sm -> sm.revision()).whenComplete((revision, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, server.config()));
                return;
            }
            NodeStatus status = server.status();
            NodeStatus.MemberStatus self = status.member(status.nodeId());
            out.onNext(StatusResponse.newBuilder().setHeader(EtcdKvService.header(server, revision))
                    .setVersion(VERSION)
                    .setLeader(status.leaderId() == null ? 0 : EtcdIds.of(status.leaderId()))
                    .setRaftIndex(status.commitIndex()).setRaftTerm(status.term())
                    .setRaftAppliedIndex(status.appliedIndex())
                    .setIsLearner(self != null && !self.voter()).build());
            out.onCompleted();
        });
    }
}
