package dev.ringnet.sync;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * Structured concurrency for tasks: children spawned through the group live and die together.
 * The first child that fails (or is cancelled) cancels its siblings; {@link #join()} waits for all
 * of them and rethrows that first failure; {@link #close()} cancels whatever still runs and waits.
 *
 * <pre>{@code
 * try (TaskGroup group = new TaskGroup(ctx)) {
 *     Task<byte[]> a = group.spawn(() -> fetch(ctx, hostA));
 *     Task<byte[]> b = group.spawn(() -> fetch(ctx, hostB));
 *     group.join();                    // throws what the first failing child threw
 *     use(a.join(), b.join());
 * }
 * }</pre>
 * Cancelling a child interrupts it, so the ringnet operation or sync-primitive wait it is parked in
 * is cancelled and withdrawn. Children can watch {@link #token()} to stop CPU-bound work.
 * Thread-safe.
 */
public final class TaskGroup implements AutoCloseable {
    private final IoContext ctx;
    private final CancelToken token = new CancelToken();
    private final WaitGroup running = new WaitGroup();
    private final TinyLock lock = new TinyLock();
    private final List<Task<?>> children = new ArrayList<>(); // guarded by lock
    private Throwable firstFailure; // guarded by lock

    /** A group whose children are spawned on {@code ctx} ({@link IoContext#spawn}). */
    public TaskGroup(IoContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        token.onCancel(reason -> cancelChildren());
    }

    /**
     * Spawns {@code body} as a child task. If the group is already cancelled, the child is
     * cancelled at once.
     */
    public <T> Task<T> spawn(Callable<T> body) {
        Objects.requireNonNull(body, "body");
        running.add(1);
        Task<T> child;
        try {
            child = ctx.spawn(body);
        } catch (RuntimeException e) {
            running.done();
            throw e;
        }
        lock.lock();
        try {
            children.add(child);
        } finally {
            lock.unlock();
        }
        child.asStage().whenComplete((v, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                fail(cause);
            }
            running.done();
        });
        if (token.isCancelled()) {
            child.cancel();
        }
        return child;
    }

    private void fail(Throwable cause) {
        lock.lock();
        try {
            if (firstFailure == null) {
                firstFailure = cause;
            }
        } finally {
            lock.unlock();
        }
        token.cancel(cause instanceof CancellationException ? "a child task was cancelled"
                : "a child task failed: " + cause);
    }

    private void cancelChildren() {
        List<Task<?>> all;
        lock.lock();
        try {
            all = new ArrayList<>(children);
        } finally {
            lock.unlock();
        }
        for (Task<?> t : all) {
            t.cancel();
        }
    }

    /** Cancels every child (and any spawned later) with {@code reason}. */
    public void cancel(String reason) {
        token.cancel(reason);
    }

    /** The group's token: cancelled when the group is; children may poll or listen to it. */
    public CancelToken token() {
        return token;
    }

    /**
     * Waits for every child (including those they spawn into the group meanwhile), then rethrows the
     * first failure: the child's exception itself if it is an {@link Exception} or {@link Error},
     * {@link CancellationException} if the first thing that went wrong was a cancellation.
     * If this wait is interrupted, the children are cancelled and waited for, then
     * {@link InterruptedException} is thrown.
     */
    public void join() throws Exception {
        try {
            running.await();
        } catch (InterruptedException e) {
            cancel("the joining thread was interrupted");
            awaitUninterruptibly();
            Thread.currentThread().interrupt();
            throw e;
        }
        Throwable failure = failure();
        if (failure == null && token.isCancelled()) {
            throw new CancellationException(token.reason());
        }
        if (failure instanceof Exception ex) {
            throw ex;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new ExecutionException(failure);
        }
    }

    /**
     * A stage completing when every child has finished: normally, or with the first failure (a
     * {@link CancellationException} if the group was cancelled without a failure). Never blocks.
     */
    public CompletionStage<Void> joinAsync() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        running.awaitAsync().whenComplete((v, e) -> {
            Throwable failure = failure();
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (token.isCancelled()) {
                result.completeExceptionally(new CancellationException(token.reason()));
            } else {
                result.complete(null);
            }
        });
        return result;
    }

    /** The first failure so far, null if none. */
    public Throwable failure() {
        lock.lock();
        try {
            return firstFailure;
        } finally {
            lock.unlock();
        }
    }

    /** Children still running (a snapshot). */
    public long activeCount() {
        return running.count();
    }

    /** Cancels the children still running and waits for all of them; never throws their failures. */
    @Override
    public void close() {
        if (running.count() > 0) {
            cancel("the task group closed");
        }
        awaitUninterruptibly();
    }

    private void awaitUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                running.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
