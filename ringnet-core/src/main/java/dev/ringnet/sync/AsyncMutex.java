package dev.ringnet.sync;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A FIFO mutual-exclusion lock whose waiters suspend instead of blocking a thread: {@link #unlock()}
 * hands the lock straight to the longest waiter (no barging). Not reentrant and not owned by a
 * thread: whoever holds it logically (a task, a callback chain) unlocks it.
 *
 * <pre>{@code
 * mutex.lock();                      // a task: parks the virtual thread while someone else holds it
 * try { ... } finally { mutex.unlock(); }
 *
 * mutex.lockAsync().thenRun(() -> { try { ... } finally { mutex.unlock(); } });
 * }</pre>
 * Interrupting a blocked {@link #lock()}, or cancelling the stage of {@link #lockAsync()}, withdraws
 * the request; if the lock had already been handed over, the caller holds it (and must unlock).
 */
public final class AsyncMutex {
    /** An unlocked mutex. */
    public AsyncMutex() {
    }

    private final AsyncSemaphore permit = new AsyncSemaphore(1);

    /** The stage completes when the caller holds the lock; never blocks. */
    public CompletionStage<Void> lockAsync() {
        return permit.acquireFuture(1);
    }

    /** Blocking form: for tasks (virtual threads), never on a loop thread. */
    public void lock() throws InterruptedException {
        permit.acquire(1);
    }

    /** Callback form: {@code then} runs through {@code executor} (e.g. the loop) holding the lock. */
    public void lock(Executor executor, Consumer<? super Throwable> then) {
        permit.acquire(1, executor, then);
    }

    /** Takes the lock if it is free and nobody waits. */
    public boolean tryLock() {
        return permit.tryAcquire(1);
    }

    /**
     * Releases the lock, handing it to the longest waiter if there is one.
     *
     * @throws IllegalStateException if the lock is not held
     */
    public void unlock() {
        if (!permit.releaseUpTo(1, 1)) {
            throw new IllegalStateException("AsyncMutex is not locked");
        }
    }

    /** True while someone holds the lock (a snapshot). */
    public boolean isLocked() {
        return permit.availablePermits() == 0;
    }

    /** Callers waiting for the lock (a snapshot). */
    public int queueLength() {
        return permit.queueLength();
    }

    @Override
    public String toString() {
        return "AsyncMutex[" + (isLocked() ? "locked, waiters=" + queueLength() : "unlocked") + "]";
    }
}
