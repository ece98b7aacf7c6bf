package dev.raftkv.liberty.admin;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;
import java.security.Principal;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The second lock on the admin API, behind web.xml's security constraint: refuses every request unless
 * {@code raftkv.admin.user} is configured and the caller is that user in the admin role. Liberty leaves an
 * unset {@code ${raftkv.admin.user}} in server.xml as literal text, which must never work as a login.
 */
@Provider
@Priority(Priorities.AUTHORIZATION)
public class AdminGuard implements ContainerRequestFilter {

    @Inject
    @ConfigProperty(name = "raftkv.admin.user")
    Optional<String> adminUser;

    @Override
    public void filter(ContainerRequestContext request) {
        SecurityContext security = request.getSecurityContext();
        Principal caller = security.getUserPrincipal();
        Optional<String> configured = adminUser.map(String::strip).filter(user -> !user.isEmpty());
        if (configured.isEmpty()) {
            abort(request, Response.Status.FORBIDDEN, "the admin API is disabled: set RAFTKV_ADMIN_USER and "
                    + "RAFTKV_ADMIN_PASSWORD (raftkv.admin.user, raftkv.admin.password)");
        } else if (caller == null) {
            abort(request, Response.Status.UNAUTHORIZED, "credentials required");
        } else if (!caller.getName().equals(configured.get()) || !security.isUserInRole("admin")) {
            abort(request, Response.Status.FORBIDDEN, "user '" + caller.getName() + "' is not the admin user");
        }
    }

    private static void abort(ContainerRequestContext request, Response.Status status, String detail) {
        Response.ResponseBuilder response = Response.fromResponse(Problem.of(status, detail).toResponse());
        if (status == Response.Status.UNAUTHORIZED) {
            response.header("WWW-Authenticate", "Basic realm=\"raftkv\"");
        }
        request.abortWith(response.build());
    }
}
