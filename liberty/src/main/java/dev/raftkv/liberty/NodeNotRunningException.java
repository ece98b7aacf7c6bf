package dev.raftkv.liberty;

/** The node is not running (not started yet, stopping, or stopped after a fatal error). */
public class NodeNotRunningException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NodeNotRunningException() {
        super("the raftkv node is not running");
    }
}
