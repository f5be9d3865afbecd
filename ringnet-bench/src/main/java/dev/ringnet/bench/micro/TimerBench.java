package dev.ringnet.bench.micro;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
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
 * Timer cost per timer: ringnet's loop timers against Netty's loop timers, Netty's
 * {@code HashedWheelTimer} and the JDK's {@code ScheduledThreadPoolExecutor} (see {@link Timers}
 * for exactly what each implementation does and on which thread).
 *
 * <p>Scores are nanoseconds of wall time per timer, lower is better, over batches of {@value #OPS}
 * timers. For the implementations that hand work to a thread of their own (ringnet-remote, hwt,
 * stpe) the wall time is the benchmark thread's sustained rate while that other thread keeps up;
 * the CPU profiler's figure (cpu.time.norm) adds up every thread and is the better measure of
 * cost there.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TimerBench {
    static final int OPS = 65_536;

    @Param({"ringnet", "ringnet-remote", "netty-eventloop", "hwt", "stpe"})
    public String impl;

    Timers timers;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        timers = Timers.open(impl);
    }

    /** Lets the other thread finish what this iteration handed it, so it does not spill into the next. */
    @TearDown(Level.Iteration)
    public void drain() {
        timers.drain();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        timers.close();
    }

    /**
     * Schedule a timer 10 s out and cancel it before it fires: the common timeout, armed when an
     * operation starts and cancelled when it completes in time.
     */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void scheduleCancel() {
        timers.scheduleCancel(OPS);
    }

    /**
     * Schedule timers that are due at once and let them run: schedule, expiry and dispatch of a
     * counting task. Nothing here measures waiting: the timers are due when the implementation next
     * looks (for hwt: the next 1 ms tick, overlapped with scheduling more).
     */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void scheduleFire() {
        timers.scheduleFire(OPS);
    }
}
