package dev.raftkv.liberty.admin;

import dev.raftkv.liberty.NodeLifecycle;
import dev.raftkv.server.SnapshotInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** This node's snapshots: list, take one now, download the newest (for backups). */
@Path("snapshots")
@ApplicationScoped
@Tag(name = "snapshots")
public class SnapshotsResource {

    static final String INDEX_HEADER = "X-Raftkv-Index";
    static final String TERM_HEADER = "X-Raftkv-Term";

    @Inject
    NodeLifecycle lifecycle;

    @GET
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(summary = "This node's snapshot files, newest first")
    public SnapshotsView list() {
        return new SnapshotsView(lifecycle.server().snapshots().stream().map(SnapshotView::of).toList());
    }

    @POST
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(summary = "Snapshot this node's state now (writes go on meanwhile) and compact its log behind it")
    @APIResponse(responseCode = "200", description = "the snapshot written, or the newest one if nothing was "
            + "applied since")
    public CompletionStage<SnapshotView> take() {
        return lifecycle.server().takeSnapshot().thenApply(SnapshotView::of);
    }

    @GET
    @Path("latest")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, Problem.MEDIA_TYPE})
    @Operation(summary = "Download this node's newest snapshot file")
    @APIResponse(responseCode = "200", description = "the file, as the node wrote it (checksummed)",
            headers = {@Header(name = INDEX_HEADER, description = "the last log index it covers",
                    schema = @Schema(type = SchemaType.INTEGER, format = "int64")),
                @Header(name = TERM_HEADER, description = "the term of that entry",
                    schema = @Schema(type = SchemaType.INTEGER, format = "int64"))})
    @APIResponse(responseCode = "404", description = "this node has no snapshot yet")
    public Response latest() {
        List<SnapshotInfo> snapshots = lifecycle.server().snapshots();
        if (snapshots.isEmpty()) {
            throw new ProblemException(Response.Status.NOT_FOUND, "node " + lifecycle.server().config().nodeId()
                    + " has no snapshot yet; take one with POST /admin/v1/snapshots");
        }
        SnapshotInfo newest = snapshots.get(0);
        InputStream in;
        try {
            // opened before answering: the file stays readable even if a newer snapshot prunes it meanwhile
            in = Files.newInputStream(newest.file());
        } catch (IOException e) {
            throw new ProblemException(Response.Status.SERVICE_UNAVAILABLE, "the newest snapshot "
                    + newest.file().getFileName() + " cannot be read (" + e.getMessage() + "); retry");
        }
        StreamingOutput body = out -> {
            try (InputStream file = in) {
                file.transferTo(out);
            }
        };
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header(INDEX_HEADER, newest.index())
                .header(TERM_HEADER, newest.term())
                .header("Content-Length", newest.sizeBytes())
                .header("Content-Disposition", "attachment; filename=\"" + newest.file().getFileName() + "\"")
                .build();
    }
}
