package dev.ringnet.loop;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sequential code started by {@link IoContext#spawn}: it runs on a virtual thread, and every
 * ringnet operation it calls in blocking form parks that virtual thread until the loop delivers
 * the completion. (Today the virtual thread runs on the JDK's default scheduler; its I/O is still
 * submitted to and completed by the context's loop.)
 *
 * <pre>{@code
 * Task<String> greeting = ctx.spawn(() -> {
 *     try (TcpSocket s = TcpSocket.connect(ctx, new InetSocketAddress("localhost", 7000))) {
 *         s.sendAll(ByteBuffer.wrap("hi".getBytes()));
 *         ByteBuffer in = ByteBuffer.allocate(16);
 *         s.recv(in);
 *         return new String(in.array(), 0, in.position());
 *     }
 * });
 * greeting.asStage().thenAccept(System.out::println);
 * }</pre>
 *
 * <p>{@link #cancel()} interrupts the task: the ringnet operation it is parked in is cancelled in
 * the backend (not abandoned) and throws {@link java.io.InterruptedIOException}; the task then
 * completes as cancelled.
 *
 * @param <T> the result type
 */
public final class Task<T> {
    private static final AtomicLong IDS = new AtomicLong();

    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile Thread thread;
    private volatile boolean cancelRequested;

    private Task() {}

    static <T> Task<T> start(IoContext ctx, Callable<T> body) {
        Task<T> task = new Task<>();
        task.thread = Thread.ofVirtual()
                .name("ringnet-task-" + IDS.incrementAndGet())
                .unstarted(() -> task.runBody(body));
        task.thread.start();
        return task;
    }

    private void runBody(Callable<T> body) {
        try {
            T value = body.call();
            if (cancelRequested) {
                result.cancel(false);
            } else {
                result.complete(value);
            }
        } catch (Throwable t) {
            if (cancelRequested) {
                CancellationException ce = new CancellationException("task cancelled");
                ce.initCause(t);
                result.completeExceptionally(ce);
            } else {
                result.completeExceptionally(t);
            }
        }
    }

    /**
     * Waits for the result.
     *
     * @throws CompletionException wrapping what the task threw
     * @throws CancellationException if it was cancelled
     */
    public T join() {
        return result.join();
    }

    /** Waits at most {@code timeout} for the result. */
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        return result.get(timeout, unit);
    }

    /**
     * Asks the task to stop by interrupting it; its pending ringnet operation is cancelled.
     *
     * @return false if the task had already finished
     */
    public boolean cancel() {
        if (result.isDone()) {
            return false;
        }
        cancelRequested = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        return true;
    }

    /** True once the task finished, normally, exceptionally or cancelled. */
    public boolean isDone() {
        return result.isDone();
    }

    /** True if the task ended because of {@link #cancel()}. */
    public boolean isCancelled() {
        return result.isCompletedExceptionally() && cancelRequested;
    }

    /** The task's outcome as a stage (completing it from outside does not affect the task). */
    public CompletionStage<T> asStage() {
        return result.copy();
    }
}
