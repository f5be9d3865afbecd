package dev.ringnet.net;

import dev.ringnet.io.DatagramHandler;
import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.OperationTimeoutException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The stage behind every {@code ...Async} method and every blocking call: it is itself the
 * operation's handler, so one object per operation carries the result.
 *
 * <p>{@link #cancel(boolean)} cancels the underlying operation in its backend and does not complete
 * the future by itself: the future completes (as cancelled) only when the backend has let go of
 * the operation, so once it is done the buffer is the caller's again.
 */
final class OpFuture<T> extends CompletableFuture<T>
        implements IoHandler<Object>, ResultHandler<T, Object>, DatagramHandler<Object> {
    private final IoContext ctx;
    private volatile long requestId;
    private volatile boolean cancelRequested;

    OpFuture(IoContext ctx) {
        this.ctx = ctx;
    }

    /** Records the id once the loop submitted the op; applies a cancel that came first. */
    void submitted(long id) {
        requestId = id;
        if (cancelRequested) {
            ctx.cancel(id);
        }
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return false;
        }
        cancelRequested = true;
        long id = requestId;
        if (id != 0) {
            return ctx.cancel(id);
        }
        return true; // the submitting task sees the flag (or submitted() does)
    }

    @SuppressWarnings("unchecked")
    @Override
    public void onComplete(int result, IOException error, Object attachment) {
        if (error != null) {
            fail(error);
        } else {
            complete((T) Integer.valueOf(result));
        }
    }

    @Override
    public void onComplete(T result, IOException error, Object attachment) {
        if (error != null) {
            fail(error);
        } else {
            complete(result);
        }
    }

    @SuppressWarnings("unchecked")
    @Override
    public void onComplete(int bytes, InetSocketAddress sender, IOException error, Object attachment) {
        if (error != null) {
            fail(error);
        } else {
            complete((T) new Datagram(bytes, sender));
        }
    }

    void fail(Throwable error) {
        if (cancelRequested && error instanceof OperationCancelledException
                && !(error instanceof OperationTimeoutException)) {
            CancellationException ce = new CancellationException(error.getMessage());
            ce.initCause(error);
            completeExceptionally(ce);
        } else {
            completeExceptionally(error);
        }
    }
}
