package dev.ringnet.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and context switches of a process, from Linux's {@code /proc}: the fallback (and the
 * cross-check) for hardware counters.
 *
 * <p>{@code utime} and {@code stime} (fields 14 and 15 of {@code /proc/PID/stat}) cover every
 * thread of the process, including threads that already exited, in clock ticks ({@code CLK_TCK},
 * almost always 100 per second, so 10 ms resolution). Context switches are summed over the
 * threads alive at the time of reading ({@code /proc/PID/task/TID/status}).
 */
final class ProcCpu {
    /**
     * One reading.
     *
     * @param userTicks   user time, clock ticks
     * @param systemTicks system (kernel) time, clock ticks
     * @param voluntary   voluntary context switches (the thread blocked), summed over live threads
     * @param involuntary involuntary context switches (preempted), summed over live threads
     */
    record Sample(long userTicks, long systemTicks, long voluntary, long involuntary) {
        Sample minus(Sample earlier) {
            return new Sample(userTicks - earlier.userTicks, systemTicks - earlier.systemTicks,
                    voluntary - earlier.voluntary, involuntary - earlier.involuntary);
        }

        long cpuTicks() {
            return userTicks + systemTicks;
        }
    }

    private ProcCpu() {}

    static boolean supported() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** Reads the process's counters; null if it is gone or /proc is unavailable. */
    static Sample read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // comm (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long utime = Long.parseLong(f[11]);             // field 14 = index 11 after the state (field 3)
            long stime = Long.parseLong(f[12]);             // field 15
            long vol = 0, invol = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks) {
                    try {
                        for (String line : Files.readAllLines(task.resolve("status"))) {
                            if (line.startsWith("voluntary_ctxt_switches:")) {
                                vol += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                                invol += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            }
                        }
                    } catch (IOException threadExited) {
                        // a thread that ended between the listing and the read
                    }
                }
            }
            return new Sample(utime, stime, vol, invol);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Busy and stolen time of one CPU from {@code /proc/stat}, in clock ticks: busy is user + nice
     * + system + irq + softirq (idle and iowait are idle; guest time is inside user). Unlike a
     * process's own CPU time, it includes the softirq work the kernel does on that CPU, for
     * example TCP receive processing of loopback packets, which is charged to no process.
     */
    record CpuSample(long busyTicks, long softirqTicks, long stealTicks) {
        CpuSample minus(CpuSample earlier) {
            return new CpuSample(busyTicks - earlier.busyTicks, softirqTicks - earlier.softirqTicks,
                    stealTicks - earlier.stealTicks);
        }
    }

    /** Reads CPU {@code cpu}'s line of {@code /proc/stat}; null if unavailable. */
    static CpuSample readCpu(int cpu) {
        try {
            String prefix = "cpu" + cpu + " ";
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith(prefix)) {
                    String[] f = line.trim().split("\\s+");
                    long user = Long.parseLong(f[1]), nice = Long.parseLong(f[2]), system = Long.parseLong(f[3]);
                    long irq = Long.parseLong(f[6]), softirq = Long.parseLong(f[7]);
                    long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
                    return new CpuSample(user + nice + system + irq + softirq, softirq, steal);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return null;
    }

    /** Clock ticks per second ({@code getconf CLK_TCK}), 100 if it cannot be asked. */
    static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /**
     * Waits until CPUs {@code a} and {@code b} are nearly idle (busy below 10 % over a second), at
     * most {@code maxNanos}: on a shared machine, a build or a test suite elsewhere would otherwise
     * land in the middle of a run. Samples in one-second windows (measuring, not waiting for an
     * event). Progress lines start with {@code label}.
     *
     * @return false if the CPUs were still busy when the time ran out (the run goes ahead anyway)
     */
    static boolean waitForQuiet(int a, int b, long maxNanos, long clkTck, String label, java.io.PrintStream out)
            throws InterruptedException {
        if (maxNanos == 0 || readCpu(a) == null) {
            return true;
        }
        long start = System.nanoTime();
        boolean told = false;
        while (true) {
            CpuSample a0 = readCpu(a), b0 = readCpu(b);
            long t0 = System.nanoTime();
            Thread.sleep(1000); // the sampling window of a CPU-share measurement, not a wait for an event
            CpuSample a1 = readCpu(a), b1 = readCpu(b);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double busy = 100.0 * Math.max(a1.minus(a0).busyTicks(), b1.minus(b0).busyTicks()) / clkTck / seconds;
            if (busy < 10) {
                if (told) {
                    out.printf(java.util.Locale.ROOT, "%s: quiet after %.0f s%n", label, (System.nanoTime() - start) / 1e9);
                }
                return true;
            }
            if (System.nanoTime() - start > maxNanos) {
                out.printf(java.util.Locale.ROOT, "%s: CPUs still %.0f %% busy after %.0f s; running anyway%n",
                        label, busy, (System.nanoTime() - start) / 1e9);
                return false;
            }
            if (!told) {
                out.printf(java.util.Locale.ROOT, "%s: CPU %d/%d %.0f %% busy with other work; waiting up to %.0f s for quiet%n",
                        label, a, b, busy, maxNanos / 1e9);
                told = true;
            }
        }
    }
}
