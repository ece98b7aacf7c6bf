package dev.raftkv.client;

import com.google.protobuf.ByteString;
import io.grpc.Status;

/**
 * A compare-and-set whose expectation did not hold when it was applied; the key is
 * unchanged. Carries the value the key had then: {@link #found()} false means the key was
 * absent.
 */
public final class CasMismatchException extends RaftKvException {

    private static final long serialVersionUID = 1L;

    private final boolean found;
    private final transient ByteString currentValue;

    public CasMismatchException(String message, boolean found, ByteString currentValue) {
        super(message, Status.Code.FAILED_PRECONDITION, null);
        this.found = found;
        this.currentValue = currentValue;
    }

    /** Whether the key existed when the CAS was applied. */
    public boolean found() {
        return found;
    }

    /** The key's value when the CAS was applied; empty when it was absent. */
    public ByteString currentValue() {
        return currentValue;
    }
}
