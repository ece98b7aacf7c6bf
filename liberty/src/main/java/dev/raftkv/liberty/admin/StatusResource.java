package dev.raftkv.liberty.admin;

import dev.raftkv.liberty.NodeLifecycle;
import dev.raftkv.server.NodeStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /admin/v1/status}: this node's view of itself and the cluster. */
@Path("status")
@ApplicationScoped
@Tag(name = "status")
public class StatusResource {

    @Inject
    NodeLifecycle lifecycle;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "This node's role, term, leader, indexes, and each member's address, role, match "
            + "index and lag (match and lag are known on the leader)")
    @APIResponse(responseCode = "200", description = "the status as of the node's last event-loop round")
    @APIResponse(responseCode = "503", description = "the node is not running")
    public StatusView status() {
        NodeStatus status = lifecycle.server().status();
        return StatusView.of(status);
    }
}
