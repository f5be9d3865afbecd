package dev.ringnet.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Waits for a number of activities to finish: {@link #add} before starting each, {@link #done()}
 * when each ends, and {@code await} suspends until the count is back to zero.
 *
 * <pre>{@code
 * WaitGroup wg = new WaitGroup();
 * for (String url : urls) {
 *     wg.add(1);
 *     ctx.spawn(() -> { try { fetch(url); } finally { wg.done(); } return null; });
 * }
 * wg.await();                          // in a task; or wg.awaitAsync().thenRun(...)
 * }</pre>
 * Reusable: once the count reaches zero it may go up again. Cancelling a waiting await withdraws it.
 * Thread-safe.
 */
public final class WaitGroup {
    /** A wait group with a count of zero. */
    public WaitGroup() {
    }

    private final TinyLock lock = new TinyLock();
    private final ArrayDeque<Waiter<Void>> waiters = new ArrayDeque<>();
    private long count; // guarded by lock

    /** Adds {@code delta} (may be negative) to the count; at zero every waiter resumes. */
    public void add(int delta) {
        List<Waiter<Void>> woken;
        lock.lock();
        try {
            long next = count + delta;
            if (next < 0) {
                throw new IllegalStateException("WaitGroup count would go negative: " + count + " + " + delta);
            }
            count = next;
            if (next > 0 || waiters.isEmpty()) {
                return;
            }
            woken = new ArrayList<>(waiters);
            waiters.clear();
            woken.forEach(Waiter::claim);
        } finally {
            lock.unlock();
        }
        woken.forEach(w -> w.grant(null));
    }

    /** One activity finished: {@code add(-1)}. */
    public void done() {
        add(-1);
    }

    /** The stage completes when the count is zero (at once if it is now). Never blocks. */
    public CompletionStage<Void> awaitAsync() {
        return awaitFuture();
    }

    private CompletableFuture<Void> awaitFuture() {
        lock.lock();
        try {
            if (count == 0) {
                return CompletableFuture.completedFuture(null);
            }
            return new Waiter<Void>(lock, waiters).enqueue();
        } finally {
            lock.unlock();
        }
    }

    /** Blocking form: for tasks (virtual threads), never on a loop thread. */
    public void await() throws InterruptedException {
        Waiter.await(awaitFuture());
    }

    /** Callback form: {@code then} runs through {@code executor} (e.g. the loop) at zero. */
    public void await(Executor executor, Consumer<? super Throwable> then) {
        Waiter.callback(awaitFuture(), executor, (v, e) -> then.accept(e), null);
    }

    /** The count now (a snapshot). */
    public long count() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    int waiters() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "WaitGroup[count=" + count() + "]";
    }
}
