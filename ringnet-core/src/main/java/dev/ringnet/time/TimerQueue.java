package dev.ringnet.time;

import dev.ringnet.internal.Logs;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The event loop's pending timers: a min-heap ordered by deadline, then by insertion order.
 *
 * <p><b>Thread confinement.</b> A queue belongs to one loop thread. Every method here must be
 * called on that thread; the queue does no locking. The only operation that may come from other
 * threads is {@link Timeout#cancel()}, which hands the handle to the loop through the consumer
 * given to the constructor; the loop then {@linkplain #reconcile reconciles} it (takes it out of
 * the heap). To schedule from another thread, create the handle with {@link #newTimeout} (which
 * touches no queue state), hand it to the loop the same way, and have the loop {@link #reconcile}
 * (or {@link #add}) it. Handing over a handle allocates nothing here.
 *
 * <p><b>Ordering.</b> Timers fire in ascending deadline order; timers with equal deadlines fire
 * in the order they entered the queue. Deadlines are absolute values on the
 * {@link System#nanoTime()} scale and are compared as signed longs, so callers should saturate
 * {@code now + delay} at {@link Long#MAX_VALUE} rather than let it wrap.
 *
 * <p><b>Cost.</b> Insert, cancel and expire of one timer are O(log n) and allocate nothing
 * besides the {@link Timeout} itself and, rarely, a doubled array. The array never shrinks.
 */
public final class TimerQueue {

    /*
     * Why a 4-ary heap rather than a binary one: it has half as many levels, so an insert
     * (sift-up, the common case for timers) moves through half as many parents, and a sift-down
     * does half as many hops. Each hop of a sift-down compares up to four siblings, but those
     * four references sit next to each other in the array, usually in one cache line, so the
     * scan costs little beyond the hop itself. Why a heap rather than a timer wheel: exact
     * ordering, no tick granularity, and no memory beyond one array slot per timer.
     *
     * Sifts move a "hole" instead of swapping, so every node is written once per level and its
     * heapIndex is kept current, which is what makes cancel O(log n).
     */

    private static final System.Logger LOG = System.getLogger("dev.ringnet.time");

    private static final int INITIAL_CAPACITY = 16;
    private static final int ARITY_SHIFT = 2; // 4 children per node

    private final Consumer<Timeout> handOver;
    private final BooleanSupplier inLoop;

    private Timeout[] heap = new Timeout[INITIAL_CAPACITY];
    private int size;
    private long nextSeq;

    /**
     * Creates an empty queue owned by one loop thread.
     *
     * @param handOver takes a handle cancelled on another thread to the loop thread, which then
     *     calls {@link #reconcile} with it; called on the cancelling thread, it must not block
     * @param inLoop tells whether the calling thread is the loop thread
     */
    public TimerQueue(Consumer<Timeout> handOver, BooleanSupplier inLoop) {
        this.handOver = Objects.requireNonNull(handOver, "handOver");
        this.inLoop = Objects.requireNonNull(inLoop, "inLoop");
    }

    /**
     * Schedules {@code task} to run at {@code deadlineNanos}. Loop thread only.
     *
     * @param deadlineNanos absolute deadline on the {@link System#nanoTime()} scale; a deadline
     *     in the past makes the timer due at the next {@link #expire}
     * @return the pending handle
     */
    public Timeout schedule(long deadlineNanos, Runnable task) {
        Timeout t = newTimeout(deadlineNanos, task);
        insert(t);
        return t;
    }

    /**
     * Creates a pending handle for this queue without inserting it. Safe on any thread: it reads
     * and writes no queue state. The loop inserts it later with {@link #add}; it may be
     * cancelled before that, in which case {@code add} ignores it.
     */
    public Timeout newTimeout(long deadlineNanos, Runnable task) {
        return new Timeout(this, deadlineNanos, Objects.requireNonNull(task, "task"));
    }

    /**
     * Inserts a handle made by {@link #newTimeout}. Loop thread only. Does nothing if the handle
     * is no longer pending (it was cancelled first). Its place among equal deadlines is decided
     * now, not when the handle was created.
     *
     * @throws IllegalArgumentException if the handle belongs to another queue
     * @throws IllegalStateException if the handle is already in this queue
     */
    public void add(Timeout t) {
        if (t.queue != this) {
            throw new IllegalArgumentException("timeout belongs to another queue");
        }
        if (t.heapIndex >= 0) {
            throw new IllegalStateException("timeout already added");
        }
        if (t.isPending()) {
            insert(t);
        }
    }

    /**
     * The earliest pending deadline, or {@link Long#MAX_VALUE} when nothing is pending.
     * Loop thread only. Timers cancelled from other threads whose removal has not run yet are
     * dropped here, so the loop never wakes for them.
     */
    public long nextDeadline() {
        while (size > 0) {
            Timeout head = heap[0];
            if (head.state == Timeout.PENDING) {
                return head.deadline;
            }
            release(removeAt(0));
        }
        return Long.MAX_VALUE;
    }

    /**
     * Runs the timers whose deadline is at or before {@code nowNanos}, earliest first, at most
     * {@code max} of them. Loop thread only.
     *
     * <p>Each timer leaves the heap and is marked expired before its task runs, so the task
     * sees itself as expired and cannot be cancelled. A task that throws is logged and does not
     * stop the others. Tasks may schedule and cancel timers; a timer they schedule already due
     * may run in this same call, and {@code max} bounds the call even if tasks keep doing so.
     *
     * @return how many tasks ran (including ones that threw)
     */
    public int expire(long nowNanos, int max) {
        int ran = 0;
        while (ran < max && size > 0) {
            Timeout t = heap[0];
            if (t.deadline > nowNanos) {
                break;
            }
            removeAt(0);
            Runnable task = t.task;
            t.task = null;
            if (!t.expire()) {
                continue; // cancelled from another thread; its queued removal will find nothing
            }
            ran++;
            try {
                task.run();
            } catch (Throwable e) {
                Logs.log(LOG, Level.WARNING, "timer task failed", e);
            }
        }
        return ran;
    }

    /**
     * The number of timers in the heap. Loop thread only. Includes timers cancelled from other
     * threads whose removal has not yet run on the loop.
     */
    public int size() {
        return size;
    }

    /** Whether the heap is empty; same caveat as {@link #size()}. Loop thread only. */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Cancels every pending timer and empties the heap, as the loop does when it closes.
     * Loop thread only. The queue stays usable afterwards.
     *
     * @return how many timers this call cancelled (timers already cancelled elsewhere and
     *     waiting for removal are not counted)
     */
    public int cancelAll() {
        return cancelAll(task -> { });
    }

    /**
     * As {@link #cancelAll()}, and hands each cancelled timer's task to {@code onCancelled}, so an
     * owner can fail whoever waits on it (a sleeping task when its loop closes). Loop thread only.
     */
    public int cancelAll(java.util.function.Consumer<Runnable> onCancelled) {
        Timeout[] h = heap;
        int n = size;
        int cancelled = 0;
        for (int i = 0; i < n; i++) {
            Timeout t = h[i];
            h[i] = null;
            Runnable task = t.task;
            release(t);
            if (t.cancelInPlace()) {
                cancelled++;
                try {
                    onCancelled.accept(task);
                } catch (RuntimeException e) {
                    Logs.log(LOG, Level.WARNING, "cancelAll callback threw; continuing", e);
                }
            }
        }
        size = 0;
        return cancelled;
    }

    boolean inLoop() {
        return inLoop.getAsBoolean();
    }

    /**
     * Called by {@link Timeout#cancel()} off the loop: hands {@code t} to the loop, which removes it.
     * Until then the node stays in the heap, cancelled, and is skipped.
     */
    void removeLater(Timeout t) {
        handOver.accept(t);
    }

    /**
     * Brings a handle another thread scheduled or cancelled in line with its state: inserts it if
     * it is pending and not in the heap yet, takes it out if it was cancelled while in the heap,
     * and otherwise does nothing, so a handle handed over twice (scheduled, then cancelled) is
     * fine. Loop thread only.
     *
     * @throws IllegalArgumentException if the handle belongs to another queue
     */
    public void reconcile(Timeout t) {
        if (t.queue != this) {
            throw new IllegalArgumentException("timeout belongs to another queue");
        }
        if (t.heapIndex >= 0) {
            if (!t.isPending()) {
                remove(t);
            }
        } else if (t.isPending()) {
            insert(t);
        }
    }

    /** Removes {@code t} if it is in the heap. Loop thread only. */
    void remove(Timeout t) {
        int i = t.heapIndex;
        if (i >= 0 && i < size && heap[i] == t) {
            release(removeAt(i));
        }
    }

    private void insert(Timeout t) {
        t.seq = nextSeq++;
        if (size == heap.length) {
            grow();
        }
        siftUp(size++, t);
    }

    private void grow() {
        int cap = heap.length;
        if (cap >= Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError("timer queue full");
        }
        int doubled = cap << 1;
        heap = Arrays.copyOf(heap, doubled < 0 ? Integer.MAX_VALUE - 8 : doubled);
    }

    /** Takes the node at {@code i} out of the heap and returns it, with heapIndex -1. */
    private Timeout removeAt(int i) {
        Timeout[] h = heap;
        Timeout removed = h[i];
        int last = --size;
        Timeout moved = h[last];
        h[last] = null;
        if (i != last) {
            // The last node may belong above the hole (if it sat in another subtree) or below it.
            if (i > 0 && before(moved, h[(i - 1) >>> ARITY_SHIFT])) {
                siftUp(i, moved);
            } else {
                siftDown(i, moved);
            }
        }
        removed.heapIndex = -1;
        return removed;
    }

    /** Moves the hole at {@code i} up until {@code t} fits, then places {@code t}. */
    private void siftUp(int i, Timeout t) {
        Timeout[] h = heap;
        while (i > 0) {
            int p = (i - 1) >>> ARITY_SHIFT;
            Timeout parent = h[p];
            if (!before(t, parent)) {
                break;
            }
            h[i] = parent;
            parent.heapIndex = i;
            i = p;
        }
        h[i] = t;
        t.heapIndex = i;
    }

    /** Moves the hole at {@code i} down until {@code t} fits, then places {@code t}. */
    private void siftDown(int i, Timeout t) {
        Timeout[] h = heap;
        int n = size;
        // Nodes up to lastParent have at least one child; signed shift keeps it -1 for n < 2.
        int lastParent = (n - 2) >> ARITY_SHIFT;
        while (i <= lastParent) {
            int first = (i << ARITY_SHIFT) + 1;
            int end = Math.min(first + (1 << ARITY_SHIFT), n);
            int m = first;
            Timeout min = h[first];
            for (int c = first + 1; c < end; c++) {
                Timeout x = h[c];
                if (before(x, min)) {
                    min = x;
                    m = c;
                }
            }
            if (!before(min, t)) {
                break;
            }
            h[i] = min;
            min.heapIndex = i;
            i = m;
        }
        h[i] = t;
        t.heapIndex = i;
    }

    /** The heap order: deadline, then insertion order. Strict, so sifts stop on ties. */
    private static boolean before(Timeout a, Timeout b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
    }

    /** Drops the task reference of a node that has left the heap without running. */
    private static void release(Timeout t) {
        t.heapIndex = -1;
        t.task = null;
    }
}
