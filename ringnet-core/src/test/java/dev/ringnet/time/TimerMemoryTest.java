package dev.ringnet.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.Reference;
import org.junit.jupiter.api.Test;

class TimerMemoryTest {

    private static final int TIMERS = 1_000_000;
    private static final int ATTEMPTS = 3;
    /** Two consecutive post-GC readings closer than this count as settled. */
    private static final long SETTLED_BYTES = 64 * 1024;
    private static final int MAX_GCS = 20;

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void pendingTimerCostsAtMost64Bytes() {
        Runnable shared = () -> {};
        warmUp(shared);

        // GC noise only ever adds to a reading, so the smallest of several is the best estimate.
        double best = Double.MAX_VALUE;
        for (int i = 0; i < ATTEMPTS; i++) {
            best = Math.min(best, bytesPerTimer(shared));
        }

        System.out.printf("timers: %.1f bytes per pending timer at 1M%n", best);
        assertThat(best).isLessThanOrEqualTo(64.0);
    }

    /** Loads and links everything the measured region touches, so class metadata stays out. */
    private static void warmUp(Runnable shared) {
        TimerQueue q = new TimerQueue(t -> { }, () -> true);
        for (int i = 0; i < 10_000; i++) {
            q.schedule(i, shared);
        }
        q.expire(Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    private static double bytesPerTimer(Runnable shared) {
        TimerQueue q = new TimerQueue(t -> { }, () -> true);
        long before = settledHeapUsed();
        for (int i = 0; i < TIMERS; i++) {
            q.schedule(i, shared);
        }
        long after = settledHeapUsed();
        assertThat(q.size()).isEqualTo(TIMERS);
        Reference.reachabilityFence(q); // the queue must be live at the second reading
        return (after - before) / (double) TIMERS;
    }

    /**
     * Collects until two consecutive heap readings agree, so only live data is counted.
     *
     * <p>Reads {@link Runtime} rather than {@code MemoryMXBean}: the tests are compiled into the
     * {@code dev.ringnet.core} module, which does not read {@code java.management}. Both report
     * the collector's used heap, so after a full GC they agree.
     */
    private static long settledHeapUsed() {
        Runtime runtime = Runtime.getRuntime();
        long previous = -1;
        for (int i = 0; i < MAX_GCS; i++) {
            System.gc();
            long used = runtime.totalMemory() - runtime.freeMemory();
            if (previous >= 0 && Math.abs(used - previous) < SETTLED_BYTES) {
                return used;
            }
            previous = used;
        }
        return previous;
    }
}
