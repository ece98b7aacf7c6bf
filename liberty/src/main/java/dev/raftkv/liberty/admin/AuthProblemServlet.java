package dev.raftkv.liberty.admin;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The body of the container's own 401 and 403 answers (web.xml's error pages): the security constraint refuses
 * those requests before they reach the admin API, so without this page they would carry no body at all. Writes
 * the same {@code application/problem+json} as every other admin error, keeping the status and the container's
 * {@code WWW-Authenticate} challenge.
 */
@WebServlet(AuthProblemServlet.PATH)
public class AuthProblemServlet extends HttpServlet {

    static final String PATH = "/errors/auth";
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // asked directly rather than as an error page: there is nothing here
        int status = code instanceof Integer value ? value : Response.Status.NOT_FOUND.getStatusCode();
        Response.Status known = Response.Status.fromStatusCode(status);
        if (known == null) {
            known = Response.Status.INTERNAL_SERVER_ERROR;
        }
        Problem problem = Problem.of(known, detail(known, request));
        byte[] body;
        try (Jsonb jsonb = JsonbBuilder.create()) {
            body = jsonb.toJson(problem).getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IOException("cannot write the problem body: " + e, e);
        }
        response.setStatus(known.getStatusCode());
        response.setContentType(Problem.MEDIA_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static String detail(Response.Status status, HttpServletRequest request) {
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri == null ? "this path" : String.valueOf(uri);
        return switch (status) {
            case UNAUTHORIZED -> "credentials required for " + path + ": HTTP Basic with the admin user "
                    + "(RAFTKV_ADMIN_USER / RAFTKV_ADMIN_PASSWORD); none were given or they are wrong";
            case FORBIDDEN -> "the authenticated user is not in the admin role needed for " + path;
            default -> status.getReasonPhrase() + " for " + path;
        };
    }
}
