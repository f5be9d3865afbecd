package dev.ringnet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.IoContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TimersExampleTest {

    @Test
    @Timeout(20)
    void runsEachTimerFeatureInOrder() throws Exception {
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            assertThat(TimersExample.demo(ctx)).containsExactly(
                    "cancelled: true",
                    "timer 100 ms",
                    "timer at now+200 ms",
                    "timer 300 ms",
                    "task slept twice",
                    "withTimeout: TimeoutException",
                    "callWithTimeout: TimeoutException");
        }
    }
}
