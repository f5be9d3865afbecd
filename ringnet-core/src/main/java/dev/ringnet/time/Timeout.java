package dev.ringnet.time;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A task scheduled on a {@link TimerQueue}, and the handle to cancel it.
 *
 * <p>The handle is also the heap node: a pending timer costs this object plus one slot of the
 * queue's array, and nothing else. That is why the fields are few and package-private.
 *
 * <p>A timeout is in exactly one of three states. It starts {@linkplain #isPending() pending};
 * it leaves that state once, either to {@linkplain #isExpired() expired} (the queue is about to
 * run its task, or has run it) or to {@linkplain #isCancelled() cancelled} (its task will never
 * run). The transition is a compare-and-set, so a concurrent {@link #cancel()} and expiry agree
 * on a single winner.
 *
 * <p>Thread safety: {@link #cancel()} and the state queries may be called from any thread; all
 * other access to the node belongs to the loop thread that owns the queue.
 */
public final class Timeout {

    static final int PENDING = 0;
    static final int EXPIRED = 1;
    static final int CANCELLED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Timeout.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Absolute deadline on the {@link System#nanoTime()} scale. */
    final long deadline;
    /** Insertion order, assigned on the loop when the node enters the heap; breaks deadline ties. */
    long seq;
    /** Position in the queue's array, or -1 when not in it. Loop thread only. */
    int heapIndex = -1;
    /** One of PENDING, EXPIRED, CANCELLED; leaves PENDING exactly once, by CAS. */
    volatile int state;
    /** Cleared once the node leaves the heap so a finished timer does not pin what it captured. */
    Runnable task;
    final TimerQueue queue;

    Timeout(TimerQueue queue, long deadline, Runnable task) {
        this.queue = queue;
        this.deadline = deadline;
        this.task = task;
    }

    /**
     * Cancels this timeout. Safe to call from any thread.
     *
     * <p>Returns {@code true} only for the call that moves the timeout from pending to cancelled;
     * after that the task never runs. On the loop thread the node leaves the heap immediately,
     * in O(log n). On any other thread the removal is handed to the loop; until it runs the node
     * stays in the heap but is skipped, so the task still never runs.
     *
     * @return {@code true} if this call cancelled the timeout, {@code false} if it had already
     *     expired or been cancelled
     */
    public boolean cancel() {
        if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
            return false;
        }
        if (queue.inLoop()) {
            queue.remove(this);
        } else {
            queue.removeLater(this);
        }
        return true;
    }

    /** Moves PENDING to EXPIRED; false if a cancel won. Called by the queue on the loop thread. */
    boolean expire() {
        return STATE.compareAndSet(this, PENDING, EXPIRED);
    }

    /** Moves PENDING to CANCELLED without touching the heap; the caller owns the heap. */
    boolean cancelInPlace() {
        return STATE.compareAndSet(this, PENDING, CANCELLED);
    }

    /** Whether {@link #cancel()} (or {@link TimerQueue#cancelAll()}) has won. */
    public boolean isCancelled() {
        return state == CANCELLED;
    }

    /** Whether the queue has taken this timeout to run; the task may still be running. */
    public boolean isExpired() {
        return state == EXPIRED;
    }

    /** Whether this timeout has neither expired nor been cancelled. */
    public boolean isPending() {
        return state == PENDING;
    }

    /** The absolute deadline, on the {@link System#nanoTime()} scale. */
    public long deadlineNanos() {
        return deadline;
    }

    @Override
    public String toString() {
        String s = switch (state) {
            case PENDING -> "PENDING";
            case EXPIRED -> "EXPIRED";
            default -> "CANCELLED";
        };
        return "Timeout[deadline=" + deadline + ", " + s + "]";
    }
}
