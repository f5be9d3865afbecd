package dev.ringnet.bench.micro;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * How the benchmark thread waits for work it handed to another thread (an event loop, a timer
 * thread): it {@link #arm arms} a batch, hands the work over, and {@link #await parks} until the
 * last piece of that work calls {@link #signal}. Parking rather than spinning keeps the CPU figures
 * honest (a spinning waiter would bill one CPU for the whole wait) and leaves the second CPU to the
 * loop; the price is one unpark per batch, which the batch sizes here make a fraction of a
 * nanosecond per operation.
 *
 * <p>One batch at a time, one waiting thread. {@link #arm} happens before the hand-off, which
 * publishes {@code target} and {@code waiter} to the thread that will call {@link #signal}.
 */
final class Completion {
    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Completion.class, "done", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through DONE
    private volatile long done;
    private long target;
    private Thread waiter;

    /** Benchmark thread, before handing the batch over: returns the batch's number. */
    long arm() {
        waiter = Thread.currentThread();
        return ++target;
    }

    /** Benchmark thread: parks until {@link #signal} has been called for batch {@code batch}. */
    void await(long batch) {
        while ((long) DONE.getVolatile(this) != batch) {
            LockSupport.park(this);
        }
    }

    /** The thread that finished the batch: wakes the benchmark thread. */
    void signal() {
        DONE.setVolatile(this, target);
        LockSupport.unpark(waiter);
    }

    /** Whether the armed batch has completed. */
    boolean isDone() {
        return (long) DONE.getVolatile(this) == target;
    }
}
