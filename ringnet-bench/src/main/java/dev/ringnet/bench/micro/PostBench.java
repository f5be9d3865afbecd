package dev.ringnet.bench.micro;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Posting a task to an event loop and running it: ringnet's {@code IoContext.post(Runnable)}
 * against Netty's {@code EventLoop.execute(Runnable)} (see {@link Loops} for the loops).
 *
 * <p>Every loop runs on its own thread, as in a server, and every form does the same work on
 * every loop: the tasks are shared, pre-allocated {@code Runnable}s whose {@code run} increments
 * a counter owned by the loop thread, so what is measured is the post/execute call, the queue,
 * the loop's dispatch of the task and, across threads, the wake-ups; never an allocation by the
 * benchmark. The last task of each batch checks the counter, so a loop that dropped or
 * duplicated a task fails the run instead of looking fast.
 *
 * <p>Scores are nanoseconds of wall time per task, lower is better. The batched forms include,
 * once per batch of {@value #OPS} tasks, the hand-off of the batch to the loop and the unpark of
 * the benchmark thread at its end (one {@link #crossThreadRoundTrip} plus an unpark, a few
 * microseconds: well under 1 ns per task).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PostBench {
    /** Tasks per benchmark invocation in the batched forms. */
    static final int OPS = 65_536;
    /** Tasks posted back-to-back by one task on the loop in {@link #sameThreadBurst}. */
    static final int BURST = 1024;

    @Param({"ringnet-io_uring", "ringnet-nio", "netty-nio", "netty-io_uring", "netty-default"})
    public String impl;

    Loops loop;
    final Completion completion = new Completion();
    /** The no-op task: counts, on the loop thread. */
    final Counter counter = new Counter();
    Bursts bursts;
    Chain chain;
    final Check check = new Check();
    final Echo echo = new Echo();
    private long echoesSent;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        loop = Loops.open(impl);
        bursts = new Bursts();
        chain = new Chain();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.close();
        if (check.failures > 0) {
            throw new IllegalStateException(impl + ": " + check.failures + " batches ran the wrong number of tasks");
        }
    }

    /**
     * Same thread, bursts: a task on the loop posts {@value #BURST} no-op tasks and then itself
     * again, {@value #OPS} / {@value #BURST} times; the loop runs them. Measures what a handler pays
     * to post work to its own loop (a post from the loop thread, which needs no wake-up) plus the
     * loop's cost to dequeue and run it, at a realistic queue length (ringnet runs the tasks posted
     * during a pass in its next pass, so each burst also costs ringnet one loop iteration, a
     * non-blocking poll of the backend; that is part of what is measured).
     */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void sameThreadBurst() {
        long batch = completion.arm();
        check.expect(OPS);
        bursts.left = OPS / BURST;
        loop.execute(bursts);
        completion.await(batch);
    }

    /**
     * Same thread, one at a time: a task that re-posts itself {@value #OPS} times. Each step is
     * a post from the loop thread and a run, with nothing else queued: this adds whatever the loop
     * does between a task and the one it posted (ringnet: a loop iteration with a non-blocking
     * poll of the backend every second task; Netty runs newly posted tasks in the same pass).
     */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void sameThreadChain() {
        long batch = completion.arm();
        chain.left = OPS;
        loop.execute(chain);
        completion.await(batch);
    }

    /**
     * Across threads, throughput: the benchmark thread posts {@value #OPS} no-op tasks to the
     * running loop as fast as it can, then a last task that checks the count and unparks it. The
     * loop drains concurrently on the other CPU and goes back to sleep whenever it catches up, so
     * this includes the wake-ups a producer causes. Wall time per task is that of the slower side;
     * the CPU profiler's figure (cpu.time.norm) adds up both threads.
     */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void crossThread() {
        long batch = completion.arm();
        check.expect(OPS);
        Loops l = loop;
        Counter c = counter;
        for (int i = 0; i < OPS; i++) {
            l.execute(c);
        }
        l.execute(check);
        completion.await(batch);
    }

    /**
     * Across threads, latency, back to back: post one task to the loop and spin until it has
     * run, then at once the next (sampled, so the table also has percentiles). Whether the loop
     * has gone to sleep in between, and so whether a round trip includes waking it (an eventfd
     * write or {@code Selector.wakeup()}, or an unpark for {@code netty-default}) and its thread
     * being scheduled, depends on how long each loop stays awake after running a task: part of
     * what this compares. The benchmark thread spins, so CPU per operation is not meaningful here.
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void crossThreadRoundTrip() {
        roundTrip();
    }

    /**
     * Across threads, latency, to an idle loop: as {@link #crossThreadRoundTrip}, but before
     * each round trip (outside the measured time) the benchmark thread parks for
     * {@value Idle#PAUSE_NANOS} ns, long enough for every loop here to block in its poll. Every round
     * trip then includes the wake-up: the latency of a task posted to a quiet server's loop.
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void crossThreadRoundTripIdle(Idle idle) {
        roundTrip();
    }

    private void roundTrip() {
        long n = ++echoesSent;
        loop.execute(echo);
        while (echo.seen() != n) {
            Thread.onSpinWait();
        }
    }

    /** The pause before each idle round trip; its own state, so that only that benchmark pays for it. */
    @State(Scope.Thread)
    public static class Idle {
        static final long PAUSE_NANOS = 100_000;

        @Setup(Level.Invocation)
        public void pause() {
            LockSupport.parkNanos(PAUSE_NANOS); // pacing, not waiting for a condition: the loop just needs time to fall asleep
        }
    }

    // ------------------------------------------------------------------ tasks (loop thread)

    /** The no-op task: counts its runs; touched only by the loop thread. */
    static final class Counter implements Runnable {
        long runs;

        @Override
        public void run() {
            runs++;
        }
    }

    /** The last task of a batch: checks the count, then wakes the benchmark thread. */
    final class Check implements Runnable {
        private long expected;
        long failures;

        /** Benchmark thread, before the batch: {@code batch} more runs of the counter are due. */
        void expect(int batch) {
            expected += batch;
        }

        @Override
        public void run() {
            if (counter.runs != expected) {
                failures++;
                counter.runs = expected; // count the next batch from a clean slate
            }
            completion.signal();
        }
    }

    /** Posts bursts of no-op tasks from the loop thread, then the check. */
    final class Bursts implements Runnable {
        int left;

        @Override
        public void run() {
            Loops l = loop;
            Counter c = counter;
            for (int i = 0; i < BURST; i++) {
                l.execute(c);
            }
            l.execute(--left > 0 ? this : check);
        }
    }

    /** Re-posts itself until {@code left} runs are done. */
    final class Chain implements Runnable {
        int left;

        @Override
        public void run() {
            if (--left > 0) {
                loop.execute(this);
            } else {
                completion.signal();
            }
        }
    }

    /** Counts its runs and publishes the count; the benchmark thread spins on it. */
    static final class Echo implements Runnable {
        private static final VarHandle SEEN;

        static {
            try {
                SEEN = MethodHandles.lookup().findVarHandle(Echo.class, "seen", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // through SEEN
        private volatile long seen;

        @Override
        public void run() {
            SEEN.setRelease(this, (long) SEEN.get(this) + 1); // one writer: the loop thread
        }

        long seen() {
            return (long) SEEN.getVolatile(this);
        }
    }
}
