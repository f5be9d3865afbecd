package dev.ringnet.net;

import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.ToLongFunction;

/** How the net classes reach their loop from any thread. */
final class Loop {
    private Loop() {}

    /** Work that runs on the loop thread and may fail with an IOException. */
    @FunctionalInterface
    interface LoopCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code body} on the loop thread and returns its result; directly if already there. */
    static <T> T call(IoContext ctx, LoopCall<T> body) throws IOException {
        if (ctx.inEventLoop()) {
            return body.call();
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            ctx.execute(() -> {
                try {
                    done.complete(body.call());
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            throw closedLoop();
        }
        return join(done);
    }

    /**
     * Submits an operation whose handler is {@code future}, from any thread: directly on the loop
     * thread, else through a posted task. Any failure to submit completes the future.
     */
    static <T> CompletionStage<T> submit(IoContext ctx, OpFuture<T> future, ToLongFunction<OpFuture<T>> submit) {
        if (ctx.inEventLoop()) {
            submitNow(future, submit);
            return future;
        }
        try {
            ctx.execute(() -> {
                if (future.cancelRequested()) {
                    future.fail(new CancellationException("cancelled before it was submitted"));
                } else {
                    submitNow(future, submit);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(closedLoop());
        }
        return future;
    }

    private static <T> void submitNow(OpFuture<T> future, ToLongFunction<OpFuture<T>> submit) {
        try {
            future.submitted(submit.applyAsLong(future));
        } catch (Throwable t) {
            future.completeExceptionally(t);
        }
    }

    /**
     * The blocking form: parks the calling thread (a virtual thread parks without holding its
     * carrier) until the operation completes. On interrupt the operation is cancelled, the call
     * waits for the backend to let go of the buffer, and throws {@link InterruptedIOException} with
     * the interrupt status set.
     */
    static <T> T await(IoContext ctx, CompletionStage<T> stage) throws IOException {
        CompletableFuture<T> future = stage.toCompletableFuture();
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            try {
                future.join();
            } catch (RuntimeException ignored) {
                // cancelled or failed: either way the backend is done with the buffer
            }
            Thread.currentThread().interrupt();
            InterruptedIOException ie = new InterruptedIOException("interrupted; the operation was cancelled");
            ie.initCause(e);
            throw ie;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** Fails fast when a blocking call would wait for the very loop it runs on. */
    static void checkMayBlock(IoContext ctx) {
        if (ctx.inEventLoop()) {
            throw new IllegalStateException("a blocking ringnet call on the event loop thread would deadlock;"
                    + " use the callback or CompletionStage form, or call it from a virtual thread (IoContext.spawn)");
        }
    }

    /** Fails fast when the callback form is used off the loop thread. */
    static void checkLoopThread(IoContext ctx) {
        if (!ctx.inEventLoop()) {
            throw new IllegalStateException("the callback form must be called on the event loop thread;"
                    + " use the CompletionStage or blocking form from other threads");
        }
    }

    private static <T> T join(CompletableFuture<T> done) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (InterruptedException e) {
                    interrupted = true; // control calls are short: finish, then restore the flag
                } catch (ExecutionException e) {
                    throw rethrow(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static IOException rethrow(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof CancellationException ce) {
            InterruptedIOException ie = new InterruptedIOException("operation cancelled");
            ie.initCause(ce);
            return ie;
        }
        if (cause instanceof UncheckedIOException u) {
            return u.getCause();
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IOException(cause);
    }

    static IOException closedLoop() {
        ClosedChannelException e = new ClosedChannelException();
        e.initCause(new RejectedExecutionException("the IoContext is closed"));
        return e;
    }
}
