/**
 * The operators' REST API under {@code /admin/v1} (Jakarta REST + JSON-B, described by MicroProfile OpenAPI at
 * {@code /openapi}): cluster status, membership, leadership transfer, snapshots. Every request needs HTTP Basic
 * credentials of a user in the {@code admin} role (web.xml) and is refused while the node has no admin user
 * configured ({@link dev.raftkv.liberty.admin.AdminGuard}). Errors are RFC 9457 {@code application/problem+json}
 * documents ({@link dev.raftkv.liberty.admin.Problem}).
 */
package dev.raftkv.liberty.admin;
