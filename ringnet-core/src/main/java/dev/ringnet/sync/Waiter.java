package dev.ringnet.sync;

import java.util.Collection;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

/**
 * A suspended caller parked in one of the primitives' wait queues, and the stage handed back to it.
 *
 * <p>The primitive <em>claims</em> a waiter under its lock (takes it off the queue), then completes
 * it outside the lock with {@link #grant}. Everyone else's {@code cancel}, {@code complete} or
 * {@code completeExceptionally} (an {@code orTimeout}, a caller giving up) first <em>withdraws</em>
 * the waiter from the queue under the same lock and fails if it was already claimed. So a waiter
 * ends exactly one way: granted (it owns the permit, lock or element) or withdrawn (the primitive
 * never gave it anything), and nothing leaks either way.
 */
class Waiter<T> extends CompletableFuture<T> {
    private final TinyLock lock;
    private final Collection<Object> queue;
    private boolean queued; // guarded by lock

    /** {@code queue} is the primitive's deque of waiters of this very class, guarded by {@code lock}. */
    @SuppressWarnings("unchecked")
    Waiter(TinyLock lock, Collection<? extends Waiter<?>> queue) {
        this.lock = lock;
        this.queue = (Collection<Object>) (Collection<?>) queue;
    }

    /** Under the lock: appends to the queue. */
    Waiter<T> enqueue() {
        queued = true;
        queue.add(this);
        return this;
    }

    /** Under the lock, after the primitive polled it off the queue: it is the primitive's now. */
    void claim() {
        queued = false;
    }

    /** Outside the lock, after {@link #claim}: delivers what the primitive gave. */
    void grant(T value) {
        super.complete(value);
    }

    /** Outside the lock, after {@link #claim}: fails the wait (the primitive gave nothing). */
    void refuse(Throwable error) {
        super.completeExceptionally(error);
    }

    private boolean withdraw() {
        lock.lock();
        try {
            if (!queued) {
                return false;
            }
            queued = false;
            queue.remove(this);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return withdraw() && super.cancel(mayInterruptIfRunning);
    }

    @Override
    public boolean complete(T value) {
        return withdraw() && super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        return withdraw() && super.completeExceptionally(ex);
    }

    // ------------------------------------------------------------------ the three forms

    /**
     * The blocking form: parks the caller until the stage completes. On interrupt the wait is
     * withdrawn and {@link InterruptedException} is thrown; if the primitive had already granted the
     * wait, the interrupt lost the race: the value is returned with the interrupt status set, so
     * that nothing granted is ever dropped.
     */
    static <T> T await(CompletableFuture<T> stage) throws InterruptedException {
        try {
            return stage.get();
        } catch (InterruptedException e) {
            if (stage.cancel(false)) {
                throw e;
            }
            Thread.currentThread().interrupt();
            try {
                return stage.join(); // granted (or about to be): ours
            } catch (CompletionException | CancellationException ce) {
                throw e;
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new CompletionException(cause);
        }
    }

    /**
     * The callback form: runs {@code callback} through {@code executor} (an {@code IoContext} runs
     * it on its loop) when the stage completes. If the executor refuses (its loop closed),
     * {@code undo} gives back what was granted and the callback runs on the completing thread with
     * the {@link RejectedExecutionException}.
     */
    static <T> void callback(CompletableFuture<T> stage, Executor executor, BiConsumer<? super T, ? super Throwable> callback,
            java.util.function.Consumer<? super T> undo) {
        stage.whenComplete((value, error) -> {
            try {
                executor.execute(() -> callback.accept(value, error));
            } catch (RejectedExecutionException rejected) {
                if (error == null && undo != null) {
                    undo.accept(value);
                }
                callback.accept(null, rejected);
            }
        });
    }

}
