package dev.ringnet.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A fair counting semaphore whose waiters suspend instead of blocking a thread.
 *
 * <p>Fair: permits go to waiters strictly in arrival order, and a newcomer never takes permits
 * while anyone waits, even if enough are free (a large request at the head holds back smaller ones
 * behind it). Three forms for each acquire:
 * <pre>{@code
 * sem.acquire();                                     // blocking: a task / virtual thread
 * sem.acquireAsync().thenRun(...);                   // a stage: any thread, never blocks
 * sem.acquire(1, ctx, err -> { ... sem.release(); }); // callback, run on ctx's loop
 * }</pre>
 * Cancelling a waiting acquire (interrupting the blocked thread, or cancelling the stage) takes the
 * waiter off the queue and takes no permit; if the permits were granted first, the cancel fails and
 * the caller owns them (the blocking form then returns with its interrupt status set).
 *
 * <p>Thread-safe; a tiny lock guards the count and the queue, and stages complete outside it.
 */
public final class AsyncSemaphore {
    private final TinyLock lock = new TinyLock();
    private final ArrayDeque<Acquire> waiters = new ArrayDeque<>();
    private long permits; // guarded by lock

    private static final class Acquire extends Waiter<Void> {
        final int n;

        Acquire(TinyLock lock, ArrayDeque<Acquire> queue, int n) {
            super(lock, queue);
            this.n = n;
        }
    }

    static {
        TinyLock.preload(Acquire.class, Waiter.class, ArrayList.class);
    }

    public AsyncSemaphore(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits < 0: " + permits);
        }
        this.permits = permits;
    }

    /** Takes one permit; see {@link #acquireAsync(int)}. */
    public CompletionStage<Void> acquireAsync() {
        return acquireAsync(1);
    }

    /**
     * Takes {@code n} permits: the stage completes when they are the caller's. Never blocks.
     * Cancelling the stage ({@code toCompletableFuture().cancel(false)}) before it completes
     * withdraws the request.
     */
    public CompletionStage<Void> acquireAsync(int n) {
        return acquireFuture(n);
    }

    CompletableFuture<Void> acquireFuture(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        lock.lock();
        try {
            if (waiters.isEmpty() && permits >= n) {
                permits -= n;
                return CompletableFuture.completedFuture(null);
            }
            Acquire a = new Acquire(lock, waiters, n);
            a.enqueue();
            return a;
        } finally {
            lock.unlock();
        }
    }

    /** Blocking form of {@link #acquireAsync()}: for tasks (virtual threads), never on a loop thread. */
    public void acquire() throws InterruptedException {
        acquire(1);
    }

    /** Blocking form of {@link #acquireAsync(int)}. */
    public void acquire(int n) throws InterruptedException {
        Waiter.await(acquireFuture(n));
    }

    /**
     * Callback form: {@code then} runs through {@code executor} (pass the {@code IoContext} to run
     * it on its loop) once the permits are the caller's, with {@code null}, or with the error if the
     * executor refused the callback (the permits are then given back).
     */
    public void acquire(int n, Executor executor, Consumer<? super Throwable> then) {
        Waiter.callback(acquireFuture(n), executor, (v, e) -> then.accept(e), v -> release(n));
    }

    /** Takes one permit if one is free and nobody waits. */
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    /** Takes {@code n} permits if they are free and nobody waits; never suspends. */
    public boolean tryAcquire(int n) {
        lock.lock();
        try {
            if (waiters.isEmpty() && permits >= n) {
                permits -= n;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Gives one permit back. */
    public void release() {
        release(1);
    }

    /** Gives {@code n} permits back, waking the waiters at the head whose requests now fit. */
    public void release(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        releaseUpTo(n, Long.MAX_VALUE);
    }

    /**
     * Adds {@code n} permits unless that would exceed {@code cap}; false (and no change) if it would.
     * Grants outside the lock.
     */
    boolean releaseUpTo(int n, long cap) {
        List<Acquire> granted = null;
        lock.lock();
        try {
            if (permits + n > cap) {
                return false;
            }
            permits += n;
            Acquire head;
            while ((head = waiters.peek()) != null && head.n <= permits) {
                waiters.poll();
                head.claim();
                permits -= head.n;
                if (granted == null) {
                    granted = new ArrayList<>(2);
                }
                granted.add(head);
            }
        } finally {
            lock.unlock();
        }
        if (granted != null) {
            for (Acquire a : granted) {
                a.grant(null);
            }
        }
        return true;
    }

    /** Permits free now (a snapshot). */
    public long availablePermits() {
        lock.lock();
        try {
            return permits;
        } finally {
            lock.unlock();
        }
    }

    /** Callers suspended in an acquire now (a snapshot). */
    public int queueLength() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "AsyncSemaphore[permits=" + permits + ", waiters=" + waiters.size() + "]";
        } finally {
            lock.unlock();
        }
    }
}
