package dev.ringnet.bench.micro;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine-wide busy CPU time from {@code /proc/stat} (Linux): user, nice, system, irq,
 * softirq and steal time of all CPUs. Used to tell how much CPU <em>other</em> processes took while
 * a benchmark ran, and to wait for a quiet machine before starting one.
 */
final class ProcStat {
    private static final Path STAT = Path.of("/proc/stat");
    /** USER_HZ: the unit of /proc/stat; 100 on every mainstream Linux architecture. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcStat() {
    }

    /** Whether /proc/stat can be read here. */
    static boolean supported() {
        return busyNanos() >= 0;
    }

    /** Busy CPU time of the whole machine, in nanoseconds (10 ms resolution), or -1 if unknown. */
    static long busyNanos() {
        try {
            for (String line : Files.readAllLines(STAT)) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    // cpu user nice system idle iowait irq softirq steal guest guest_nice
                    long busy = 0;
                    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                        if (i < f.length) {
                            busy += Long.parseLong(f[i]);
                        }
                    }
                    return busy * NANOS_PER_TICK;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Waits until the machine has been nearly idle (below {@code maxCpus} busy CPUs) for one
     * half-second window, or {@code maxNanos} passed.
     *
     * @return the busy CPUs of the last window (a value above {@code maxCpus} means it gave up)
     */
    static double waitForQuiet(double maxCpus, long maxNanos) throws InterruptedException {
        if (!supported()) {
            return 0;
        }
        long deadline = System.nanoTime() + maxNanos;
        double busy;
        do {
            long b0 = busyNanos();
            long t0 = System.nanoTime();
            Thread.sleep(500); // sampling /proc/stat over a window: this is a measurement, not a wait for an event
            busy = (busyNanos() - b0) / (double) (System.nanoTime() - t0);
        } while (busy >= maxCpus && System.nanoTime() < deadline);
        return busy;
    }
}
