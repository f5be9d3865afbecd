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
 * the completion.
 *
 * <p><b>Loop-affine:</b> when {@link LoopScheduler#availability()} says so (it needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED}), the virtual thread's scheduler is the
 * context itself: the task runs on the loop thread as its carrier, between the loop's other
 * handlers, and each time it parks (ringnet I/O, a {@code dev.ringnet.sync} wait, a sleep) the loop
 * thread goes back to the loop. Such a task never runs in parallel with the loop's handlers, but it
 * must not block its carrier either: CPU-heavy or truly blocking work (file I/O, JNI, a
 * {@code synchronized} wait in native code) stalls the whole loop; offload it with
 * {@link IoContext#blockingInvoke}. Inside a task {@link IoContext#inEventLoop()} is false (the
 * current thread is the virtual thread, not the loop thread), so blocking ringnet calls are allowed
 * and callback-form socket calls are not. Otherwise, or with {@code -Dringnet.loopAffine=false},
 * the virtual thread runs on the JDK's default scheduler; its I/O is still submitted to and
 * completed by the context's loop. A loop-affine task spawned before the loop runs starts when the
 * loop runs.
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
        return start(ctx, body, true);
    }

    /** Starts a task; loop-affine when asked and available, else on the default scheduler. */
    static <T> Task<T> start(IoContext ctx, Callable<T> body, boolean loopAffine) {
        Task<T> task = new Task<>();
        String name = "ringnet-task-" + IDS.incrementAndGet();
        task.thread = loopAffine
                ? LoopScheduler.newThread(ctx, name, () -> task.runBody(body))
                : Thread.ofVirtual().name(name).unstarted(() -> task.runBody(body));
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
