package dev.ringnet.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * JMH is wired up: the annotation processor generated the benchmark list and stubs, the Runner API
 * finds and runs a benchmark, and both profilers report. One short iteration in this JVM (no fork:
 * the test class path is not one a forked JVM could use), so the score means nothing; that it exists
 * does. Also checks how the runner expands the plan.
 */
class MicroBenchWiringTest {

    @Test
    @Timeout(30)
    void runsOneBenchmarkThroughTheRunnerApi() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include("^" + TimerBench.class.getName() + ".scheduleCancel$")
                .param("impl", "ringnet")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .addProfiler(GCProfiler.class)
                .addProfiler(CpuTimeProfiler.class)
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build()).run();

        assertThat(results).hasSize(1);
        RunResult r = results.iterator().next();
        assertThat(r.getParams().getParam("impl")).isEqualTo("ringnet");
        assertThat(r.getPrimaryResult().getScore()).isPositive();
        assertThat(r.getPrimaryResult().getScoreUnit()).isEqualTo("ns/op");
        Map<String, Result> secondary = r.getSecondaryResults();
        assertThat(secondary).containsKeys("cpu.time.norm", "cpu.util", "cpu.others", "gc.alloc.rate.norm");
        assertThat(secondary.get("cpu.time.norm").getScore()).isPositive();
        // In this JVM, cold and briefly, gc.alloc.rate.norm also counts JMH's and the test's own
        // allocations: its value means nothing here, only that it is reported.
    }

    @Test
    void plansEveryBenchmarkWithEveryImplementation() {
        MicroBench.Config c = MicroBench.Config.parse(new String[] {"--include", "TimerBench"});
        List<MicroBench.Planned> plan = MicroBench.plan(c);
        assertThat(plan).hasSize(2 * Timers.NAMES.size());
        assertThat(plan).extracting(MicroBench.Planned::impl).containsAll(Timers.NAMES);
    }

    @Test
    void paramOverridesKeepOnlyWhatEachClassKnows() {
        MicroBench.Config c = MicroBench.Config.parse(new String[] {"--param", "impl=netty-nio,hwt"});
        List<MicroBench.Planned> plan = MicroBench.plan(c);
        assertThat(plan).allSatisfy(p -> assertThat(p.impl()).isIn("netty-nio", "hwt"));
        assertThat(plan).extracting(p -> MicroBench.simpleClass(p.entry().getUsername()))
                .containsOnly("PostBench", "TimerBench");
        assertThat(c.memoryImpls()).containsExactly("hwt");
    }

    @Test
    void quickIsShortAndExplicitOptionsWin() {
        MicroBench.Config c = MicroBench.Config.parse(new String[] {"--quick", "--forks", "2"});
        assertThat(c.forks).isEqualTo(2);
        assertThat(c.iterations).isEqualTo(2);
        assertThat(c.seconds).isEqualTo(0.5);
    }
}
