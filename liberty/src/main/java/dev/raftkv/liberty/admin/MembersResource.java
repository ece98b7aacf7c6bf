package dev.raftkv.liberty.admin;

import dev.raftkv.liberty.NodeLifecycle;
import dev.raftkv.proto.ConfChange;
import dev.raftkv.proto.ConfChangeType;
import dev.raftkv.server.RaftServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Membership, one node at a time (thesis §4.1): list, add as a learner, promote a caught-up learner, remove. Any
 * node takes these requests: a follower forwards them to the leader itself (the caller never needs to find it).
 * Each answer comes once the change is committed and applied on the leader, with the members as this node then
 * knows them. Refusals are problem+json: 400 malformed, 404 not a member, 409 already a member / not a learner /
 * the last voter / a learner still lagging, 503 to retry later (no leader, another change pending, a transfer
 * under way), 504 when the outcome is unknown.
 */
@Path("members")
@ApplicationScoped
@Tag(name = "membership")
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
public class MembersResource {

    @Inject
    NodeLifecycle lifecycle;

    @GET
    @Operation(summary = "Every member: id, addresses, role (VOTER or LEARNER), and on the leader match index and "
            + "lag")
    @APIResponse(responseCode = "200", description = "the configuration in force on this node")
    public MembersView list() {
        return MembersView.of(lifecycle.server().status());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a node as a learner: it receives the log but neither votes nor counts for quorum")
    @APIResponse(responseCode = "200", description = "the change is committed; the members after it")
    @APIResponse(responseCode = "400", description = "id or addresses missing or malformed")
    @APIResponse(responseCode = "409", description = "already a member")
    public CompletionStage<MembersView> add(AddMemberRequest request) {
        if (request == null || blank(request.id()) || blank(request.peerAddress())) {
            throw new ProblemException(Response.Status.BAD_REQUEST,
                    "the body must be JSON with \"id\" and \"peerAddress\" (host:port), and may have "
                            + "\"clientAddress\" (host:port)");
        }
        ConfChange.Builder change = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER)
                .setNodeId(request.id().strip()).setPeerAddress(request.peerAddress().strip());
        if (!blank(request.clientAddress())) {
            change.setClientAddress(request.clientAddress().strip());
        }
        return change(change.build());
    }

    @POST
    @Path("{id}/promote")
    @Operation(summary = "Make a caught-up learner a voter")
    @APIResponse(responseCode = "200", description = "the change is committed; the members after it")
    @APIResponse(responseCode = "404", description = "not a member")
    @APIResponse(responseCode = "409", description = "not a learner, or still lagging behind the leader")
    public CompletionStage<MembersView> promote(@PathParam("id") String id) {
        return change(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_PROMOTE).setNodeId(id).build());
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Remove a voter or a learner (the leader too: it hands over and steps down)")
    @APIResponse(responseCode = "200", description = "the change is committed; the members after it")
    @APIResponse(responseCode = "404", description = "not a member")
    @APIResponse(responseCode = "409", description = "the last voter")
    public CompletionStage<MembersView> remove(@PathParam("id") String id) {
        return change(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_REMOVE).setNodeId(id).build());
    }

    private CompletionStage<MembersView> change(ConfChange change) {
        RaftServer server = lifecycle.server();
        long deadline = System.nanoTime() + lifecycle.settings().adminTimeout().toNanos();
        return server.changeMembership(change, deadline)
                .thenCompose(conf -> server.onLoop(() -> { }))
                .thenApply(ignored -> MembersView.of(server.status()));
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }
}
