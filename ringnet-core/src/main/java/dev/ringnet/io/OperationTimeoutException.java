package dev.ringnet.io;

/**
 * The error an operation completes with when its deadline passed first (for example a connect
 * with a timeout): the operation was cancelled in the backend because of the deadline.
 */
public class OperationTimeoutException extends OperationCancelledException {
    private static final long serialVersionUID = 1L;

    /** @param message what timed out */
    public OperationTimeoutException(String message) {
        super(message);
    }
}
