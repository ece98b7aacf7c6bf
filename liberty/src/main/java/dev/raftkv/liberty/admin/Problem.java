package dev.raftkv.liberty.admin;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * An error answer in the shape of RFC 9457 ({@code application/problem+json}).
 *
 * @param type a URI naming the kind of problem ({@code about:blank} when the status says it all)
 * @param title the HTTP reason phrase
 * @param status the HTTP status code
 * @param detail what went wrong, for a person
 * @param grpcStatus the node's gRPC status code behind it, when there is one (e.g. FAILED_PRECONDITION)
 * @param leaderId the leader known when the request failed, when there is one
 */
public record Problem(String type, String title, int status, String detail, String grpcStatus, String leaderId) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final MediaType PROBLEM_JSON = MediaType.valueOf(MEDIA_TYPE);

    public static Problem of(Response.Status status, String detail) {
        return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail, null, null);
    }

    public Response toResponse() {
        return Response.status(status).type(PROBLEM_JSON).entity(this).build();
    }
}
