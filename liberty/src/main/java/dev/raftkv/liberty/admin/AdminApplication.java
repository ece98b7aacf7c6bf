package dev.raftkv.liberty.admin;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The admin API's root: {@code /admin/v1}. */
@ApplicationPath("/admin/v1")
@OpenAPIDefinition(
        info = @Info(title = "raftkv admin API", version = "v1",
                description = "Cluster status, membership, leadership transfer and snapshots of a raftkv node. "
                        + "Errors are application/problem+json."),
        security = @SecurityRequirement(name = "basic"))
@SecurityScheme(securitySchemeName = "basic", type = SecuritySchemeType.HTTP, scheme = "basic",
        description = "A user in the admin role (RAFTKV_ADMIN_USER / RAFTKV_ADMIN_PASSWORD)")
public class AdminApplication extends Application {
}
