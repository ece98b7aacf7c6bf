package dev.raftkv.liberty.admin;

/**
 * The body of {@code POST /admin/v1/leader/transfer}.
 *
 * @param target the id of the voter that should lead
 */
public record TransferRequest(String target) {
}
