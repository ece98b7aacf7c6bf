package dev.raftkv.server;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.grpc.stub.StreamObserver;

/**
 * etcd's v3 {@code Cluster} service, part 1: {@code MemberList}, from the Raft configuration
 * in force on this node. A member's etcd id is {@link EtcdIds#of} its raftkv id, which is its
 * name; peer and client URLs are {@code http://host:port}. The other calls answer UNIMPLEMENTED.
 */
final class EtcdClusterService extends ClusterGrpc.ClusterImplBase {

    private final RaftServer server;

    EtcdClusterService(RaftServer server) {
        this.server = server;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
        server.readSerializable(sm -> sm.revision()).whenComplete((revision, error) -> {
            if (error != null) {
                out.onError(ErrorMapping.toStatus(error, server.config()));
                return;
            }
            MemberListResponse.Builder response = MemberListResponse.newBuilder()
                    .setHeader(EtcdKvService.header(server, revision));
            for (NodeStatus.MemberStatus member : server.status().members()) {
                Member.Builder etcd = Member.newBuilder().setID(EtcdIds.of(member.id())).setName(member.id())
                        .setIsLearner(!member.voter());
                if (member.peerAddress() != null) {
                    etcd.addPeerURLs("http://" + member.peerAddress());
                }
                if (member.clientAddress() != null) {
                    etcd.addClientURLs("http://" + member.clientAddress());
                }
                response.addMembers(etcd);
            }
            out.onNext(response.build());
            out.onCompleted();
        });
    }
}
