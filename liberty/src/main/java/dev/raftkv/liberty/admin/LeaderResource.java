package dev.raftkv.liberty.admin;

import dev.raftkv.liberty.NodeLifecycle;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Leadership transfer (thesis §3.10): any node takes the request and a follower forwards it to the leader; the
 * answer comes once the target leads.
 */
@Path("leader")
@ApplicationScoped
@Tag(name = "leadership")
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
public class LeaderResource {

    @Inject
    NodeLifecycle lifecycle;

    @POST
    @Path("transfer")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Hand leadership to a caught-up voter; answers once it leads")
    @APIResponse(responseCode = "200", description = "the target leads")
    @APIResponse(responseCode = "400", description = "no target given")
    @APIResponse(responseCode = "404", description = "the target is not a member")
    @APIResponse(responseCode = "409", description = "the target is not a voter or lags behind")
    @APIResponse(responseCode = "503", description = "no leader, or another transfer runs")
    @APIResponse(responseCode = "504", description = "the target did not take over in time")
    public CompletionStage<LeaderView> transfer(TransferRequest request) {
        if (request == null || request.target() == null || request.target().isBlank()) {
            throw new ProblemException(Response.Status.BAD_REQUEST,
                    "the body must be JSON with \"target\": the id of the voter that should lead");
        }
        long deadline = System.nanoTime() + lifecycle.settings().adminTimeout().toNanos();
        return lifecycle.server().transferLeadership(request.target().strip(), deadline).thenApply(LeaderView::new);
    }
}
