package dev.ringnet.bench.micro;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the whole benchmark JVM used per operation
 * ({@code cpu.time.norm}, ns/op), how many CPUs it kept busy on average ({@code cpu.util}), and
 * how many CPUs <em>other</em> processes used meanwhile ({@code cpu.others}: the machine's busy
 * time from {@code /proc/stat} minus this JVM's, 10 ms resolution; NaN off Linux).
 *
 * <p>Wall time per operation says how fast the benchmark thread went; when the work is shared with
 * other threads (an event loop, a timer thread) it hides what those threads spent. This adds up
 * every thread of the process: {@code getProcessCpuTime()} (user + system, all threads, including
 * the kernel time of wake-ups) over each iteration, divided by the operations JMH counted in it,
 * the same normalisation as {@code gc.alloc.rate.norm}. It includes JMH's own threads (idle but for
 * a timer) and any GC or JIT activity during the iteration, so it is an upper bound that is close
 * for long iterations. Use it with {@code -prof dev.ringnet.bench.micro.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuBefore;
    private long wallBefore;
    private long machineBefore;

    @Override
    public String getDescription() {
        return "process CPU time (all threads) per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        machineBefore = ProcStat.busyNanos();
        wallBefore = System.nanoTime();
        cpuBefore = os.getProcessCpuTime();
    }

    @Override
    public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                IterationResult result) {
        long cpu = os.getProcessCpuTime() - cpuBefore;
        long wall = System.nanoTime() - wallBefore;
        long machine = ProcStat.busyNanos();
        double others = machine < 0 || machineBefore < 0 || wall <= 0 ? Double.NaN
                : Math.max(0, machine - machineBefore - cpu) / (double) wall;
        long ops = result.getMetadata().getAllOps();
        return List.of(
                new ScalarResult("cpu.time.norm", ops > 0 ? (double) cpu / ops : Double.NaN, "ns/op", AggregationPolicy.AVG),
                new ScalarResult("cpu.util", wall > 0 ? (double) cpu / wall : Double.NaN, "CPUs", AggregationPolicy.AVG),
                new ScalarResult("cpu.others", others, "CPUs", AggregationPolicy.AVG));
    }
}
