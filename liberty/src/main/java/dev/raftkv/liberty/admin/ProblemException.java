package dev.raftkv.liberty.admin;

import jakarta.ws.rs.core.Response;

/** Ends an admin request with the given problem; {@link ProblemMapper} writes it. */
public class ProblemException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    public ProblemException(Response.Status status, String detail) {
        super(detail, null, false, false);
        this.problem = Problem.of(status, detail);
    }

    public Problem problem() {
        return problem;
    }
}
