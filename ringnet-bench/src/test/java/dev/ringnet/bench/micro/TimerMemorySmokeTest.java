package dev.ringnet.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bytes-per-timer measurement at a small count, as {@code bin/bench-micro} runs it (a fresh
 * JVM per implementation, Serial GC that compacts everything): every implementation gives a
 * plausible figure. Each timer is at least an object with a header and a few fields (so over 24
 * bytes) and none of them should need more than a few hundred; ringnet's {@code Timeout} plus its
 * array slot stays within the 64 bytes {@code TimerMemoryTest} allows in ringnet-core, and the
 * executor's timers, which carry a {@code FutureTask} and an adapter each, cost more than
 * ringnet's. The full figures come from {@code bin/bench-micro} (1,000,000 timers, fresh JVMs).
 */
class TimerMemorySmokeTest {
    private static final int TIMERS = 50_000;

    @Test
    @Timeout(30)
    void everyImplementationGivesAPlausibleFigure() throws Exception {
        Map<String, Double> bytes = new HashMap<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        PrintStream log = new PrintStream(OutputStream.nullOutputStream());
        for (String impl : TimerMemory.NAMES) {
            double b = MicroBench.memoryInChildren(java, impl, TIMERS, 1, log).bytesPerTimer();
            System.out.printf("timer-memory smoke: %s %.1f bytes per pending timer at %,d%n", impl, b, TIMERS);
            bytes.put(impl, b);
            assertThat(b).as(impl).isBetween(24.0, 256.0);
        }
        assertThat(bytes.get("ringnet")).isLessThanOrEqualTo(64.0);
        assertThat(bytes.get("ringnet")).isLessThan(bytes.get("stpe"));
    }

    @Test
    void parsesTheLineTheProgramPrints() {
        TimerMemory.Result r = MicroBench.parseMemoryLine(
                "timer-memory impl=hwt count=1000 bytes-per-timer=56.0 heap-before=100 heap-after=56100");
        assertThat(r).isEqualTo(new TimerMemory.Result("hwt", 1000, 56.0, 100, 56100));
    }
}
