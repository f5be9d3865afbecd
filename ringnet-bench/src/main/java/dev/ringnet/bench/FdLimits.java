package dev.ringnet.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * File-descriptor limits for the memory pass of {@link HttpBench}: a server holding N idle
 * connections needs N descriptors (plus its own), under its {@code RLIMIT_NOFILE}. The soft limit
 * can be raised up to the hard limit by anyone ({@code bin/bench} does, and the JVM does at start);
 * raising the hard limit needs {@code CAP_SYS_RESOURCE}. So the hard limit decides which counts
 * can be measured here, and a count above it is reported as not measurable, with the reason.
 */
final class FdLimits {
    /** Descriptors kept free for the server's own (JVM class path, epoll/io_uring, listener, the warm-up connections). */
    static final int RESERVE = 1000;
    /** The count the issue asks for beside 10,000. */
    static final int LARGE = 100_000;

    /** One process's {@code RLIMIT_NOFILE}; {@link Long#MAX_VALUE} for unlimited. */
    record Limit(long soft, long hard) {}

    private FdLimits() {}

    /** The limit of process {@code pid} ({@code "self"} for this one), or null if unreadable. */
    static Limit read(String pid) {
        try {
            return parse(Files.readString(Path.of("/proc", pid, "limits")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Parses the "Max open files" line of a {@code /proc/PID/limits}; null if it is not there. */
    static Limit parse(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return new Limit(number(f[0]), number(f[1]));
            }
        }
        return null;
    }

    private static long number(String s) {
        return s.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(s);
    }

    /** Descriptors process {@code pid} has open, or -1. */
    static int open(long pid) {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path ignored : fds) {
                n++;
            }
            return n;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The largest count, in thousands, that fits under {@code hard} with {@link #RESERVE} to spare. */
    static int largestFitting(long hard) {
        long n = (Math.min(hard, Integer.MAX_VALUE) - RESERVE) / 1000 * 1000;
        return (int) Math.max(0, n);
    }

    /** Why {@code count} idle connections cannot be measured under hard limit {@code hard}, or null if they can. */
    static String notMeasurable(int count, long hard) {
        if ((long) count + RESERVE <= hard) {
            return null;
        }
        return String.format(Locale.ROOT, "not measurable here: hard RLIMIT_NOFILE = %d, raising it needs CAP_SYS_RESOURCE", hard);
    }

    /**
     * The default counts: 10,000 and {@link #LARGE}; when {@link #LARGE} does not fit under
     * {@code hard}, also the largest count that does (it stays in the list, to be reported as not
     * measurable).
     */
    static List<Integer> defaultCounts(long hard) {
        TreeSet<Integer> counts = new TreeSet<>(List.of(10_000, LARGE));
        int largest = largestFitting(hard);
        if (notMeasurable(LARGE, hard) != null && largest > 0) {
            counts.add(largest);
        }
        return new ArrayList<>(counts);
    }

    /** {@code --memory} values: numbers, and {@code max} for {@link #largestFitting}; sorted, no duplicates, no zeros. */
    static List<Integer> resolve(List<String> spec, long hard) {
        TreeSet<Integer> counts = new TreeSet<>();
        for (String s : spec) {
            int n = s.equals("max") ? largestFitting(hard) : Integer.parseInt(s);
            if (n > 0) {
                counts.add(n);
            }
        }
        return new ArrayList<>(counts);
    }
}
