package dev.raftkv.liberty.admin;

import dev.raftkv.liberty.NodeNotRunningException;
import dev.raftkv.server.RequestFailedException;
import io.grpc.Status;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns every failure of an admin request into {@code application/problem+json}: the node's gRPC status maps to
 * the nearest HTTP status (INVALID_ARGUMENT 400, NOT_FOUND 404, FAILED_PRECONDITION and ALREADY_EXISTS 409,
 * RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504), unreadable JSON to 400, and anything
 * unexpected to 500 (logged).
 */
@Provider
public class ProblemMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = System.getLogger(ProblemMapper.class.getName());

    @Override
    public Response toResponse(Throwable thrown) {
        return problemFor(thrown).toResponse();
    }

    static Problem problemFor(Throwable thrown) {
        Throwable error = thrown;
        while ((error instanceof CompletionException || error instanceof ExecutionException)
                && error.getCause() != null) {
            error = error.getCause();
        }
        if (error instanceof ProblemException pe) {
            return pe.problem();
        }
        if (error instanceof RequestFailedException rfe) {
            Status status = rfe.status();
            Response.Status http = httpStatus(status.getCode());
            return new Problem("about:blank", http.getReasonPhrase(), http.getStatusCode(),
                    status.getDescription() == null ? status.getCode().name() : status.getDescription(),
                    status.getCode().name(), rfe.leaderId());
        }
        if (error instanceof NodeNotRunningException) {
            return Problem.of(Response.Status.SERVICE_UNAVAILABLE, error.getMessage());
        }
        if (error instanceof WebApplicationException wae) {
            Response.StatusType status = wae.getResponse().getStatusInfo();
            if (wae.getCause() instanceof JsonbException je) {
                return Problem.of(Response.Status.BAD_REQUEST, "the request body is not valid JSON for this "
                        + "operation: " + je.getMessage());
            }
            return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), wae.getMessage(),
                    null, null);
        }
        if (error instanceof JsonbException || error instanceof ProcessingException) {
            return Problem.of(Response.Status.BAD_REQUEST, "the request body is not valid JSON for this "
                    + "operation: " + error.getMessage());
        }
        LOG.log(Level.ERROR, "admin request failed: " + error, error);
        return Problem.of(Response.Status.INTERNAL_SERVER_ERROR, String.valueOf(error));
    }

    static Response.Status httpStatus(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> Response.Status.BAD_REQUEST;
            case NOT_FOUND -> Response.Status.NOT_FOUND;
            case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED -> Response.Status.CONFLICT;
            case PERMISSION_DENIED -> Response.Status.FORBIDDEN;
            case UNAUTHENTICATED -> Response.Status.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> Response.Status.TOO_MANY_REQUESTS;
            case UNAVAILABLE -> Response.Status.SERVICE_UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Response.Status.GATEWAY_TIMEOUT;
            case UNIMPLEMENTED -> Response.Status.NOT_IMPLEMENTED;
            default -> Response.Status.INTERNAL_SERVER_ERROR;
        };
    }
}
