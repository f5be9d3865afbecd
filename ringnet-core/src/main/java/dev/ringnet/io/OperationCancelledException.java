package dev.ringnet.io;

import java.io.IOException;

/**
 * The error an operation completes with when it was cancelled: by {@code cancel(requestId)}, by
 * closing its socket, or by closing its event loop.
 */
public class OperationCancelledException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message why the operation was cancelled */
    public OperationCancelledException(String message) {
        super(message);
    }
}
