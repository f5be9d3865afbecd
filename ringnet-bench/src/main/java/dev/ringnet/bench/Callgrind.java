package dev.ringnet.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the per-thread dumps callgrind writes with {@code --separate-threads=yes} and sorts the
 * threads into <em>request work</em> and <em>JVM housekeeping</em>.
 *
 * <p>Each thread's instructions (Ir, self cost) are split by the object they ran in:
 * <ul>
 *   <li><b>JVM runtime</b>: {@code libjvm.so} (JIT compilers, garbage collector, VM operations,
 *       and the runtime calls of Java threads);</li>
 *   <li><b>C libraries</b>: {@code libc}, the dynamic loader, {@code libpthread}, {@code libm},
 *       {@code libdl}, {@code librt}, {@code libgcc_s} (used by everything: malloc, memset,
 *       syscall wrappers, futexes), left out of the decision;</li>
 *   <li><b>code</b>: everything else: callgrind's {@code ???} object (code the JVM generated: JIT-compiled
 *       and interpreted Java, stubs), the JDK's native libraries ({@code libnio}, {@code libnet},
 *       {@code libjava}), Netty's native transport, the C server's binary.</li>
 * </ul>
 * A thread is request work when {@code code} is at least {@link #REQUEST_WORK_MIN_CODE_SHARE} of
 * {@code code + JVM runtime}: event loops, acceptors, virtual-thread carriers and pollers, the C
 * server's thread (no libjvm at all) all run far more code than that. The JVM's own threads run
 * almost none: the C1/C2 compiler threads, the VM thread (serial GC, safepoint operations, also
 * deoptimization on its behalf) and the service, monitor-deflation and periodic-task threads
 * are well under 1 % (measured: 0.0-0.1 %), so the rule does not depend on function names, which
 * change between JDK versions. A thread with no code and no JVM instructions at all (a thread that
 * only woke up in libc) is housekeeping.
 */
final class Callgrind {
    /** A thread is request work when at least this share of its non-C-library instructions is code. */
    static final double REQUEST_WORK_MIN_CODE_SHARE = 0.10;
    /** The bucket the hottest-function line uses for everything in callgrind's {@code ???} object. */
    static final String GENERATED_CODE = "generated code (JIT-compiled or interpreted Java, stubs)";

    private Callgrind() {}

    enum Kind { JVM, C_LIBRARY, CODE }

    /** Where a thread's instructions ran most: a function (parameters left out) and its object's file name, or {@link #GENERATED_CODE}. */
    record Hot(String where, long ir) {}

    /** How many of the hottest places {@link ThreadCost} keeps. */
    static final int HOTTEST = 3;

    /**
     * One thread's instructions over the dumped window.
     *
     * @param thread     callgrind's thread number (valgrind's, in creation order; 1 = main)
     * @param ir         all its instructions: the {@code totals:} line, or the sum of the self costs without one
     * @param hottest    the {@value #HOTTEST} places where most of them ran, most first
     */
    record ThreadCost(int thread, long ir, long jvmIr, long cLibraryIr, long codeIr, List<Hot> hottest) {
        /** Code's share of the thread's instructions outside the C libraries; 0 when there are none. */
        double codeShare() {
            long d = codeIr + jvmIr;
            return d == 0 ? 0 : (double) codeIr / d;
        }

        boolean requestWork() {
            return codeIr > 0 && codeShare() >= REQUEST_WORK_MIN_CODE_SHARE;
        }

        String classification() {
            return requestWork() ? "request work" : "JVM housekeeping";
        }
    }

    /** The whole process over one window: the threads, and the sums of each class. */
    record Dump(List<ThreadCost> threads) {
        long requestWorkIr() {
            return threads.stream().filter(ThreadCost::requestWork).mapToLong(ThreadCost::ir).sum();
        }

        long housekeepingIr() {
            return threads.stream().filter(t -> !t.requestWork()).mapToLong(ThreadCost::ir).sum();
        }

        /** The threads that ran at all in the window, most instructions first. */
        List<ThreadCost> active() {
            return threads.stream().filter(t -> t.ir() > 0)
                    .sorted(Comparator.comparingLong(ThreadCost::ir).reversed().thenComparingInt(ThreadCost::thread)).toList();
        }
    }

    static Kind kind(String object) {
        if (object == null || object.equals("???")) {
            return Kind.CODE;
        }
        String file = object.substring(object.lastIndexOf('/') + 1);
        if (file.equals("libjvm.so")) {
            return Kind.JVM;
        }
        for (String lib : List.of("libc.so", "libc-", "ld-linux", "ld64.so", "libpthread", "libm.so", "libm-", "libdl",
                "librt", "libgcc_s")) {
            if (file.startsWith(lib)) {
                return Kind.C_LIBRARY;
            }
        }
        return Kind.CODE;
    }

    /** Parses one thread's dump (callgrind format, version 1). */
    static ThreadCost parse(String text) throws IOException {
        return parse(new StringReader(text));
    }

    private static final Pattern NAME = Pattern.compile("^\\((\\d+)\\)(?:\\s(.*))?$");

    static ThreadCost parse(Reader reader) throws IOException {
        Map<String, String> objects = new HashMap<>();
        Map<String, String> functions = new HashMap<>();
        Map<String, Long> perFunction = new HashMap<>();
        long[] perKind = new long[Kind.values().length];
        String object = null;
        String function = null;
        int thread = 1;
        long totals = -1;
        int positions = 1;
        int irColumn = 0;
        boolean callCost = false;
        BufferedReader r = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            char c = line.charAt(0);
            if (Character.isDigit(c) || c == '+' || c == '-' || c == '*') {
                if (callCost) {                 // the inclusive cost of the call above: not this function's own
                    callCost = false;
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                int column = positions + irColumn;
                long ir = column < f.length ? parseLong(f[column]) : 0;
                if (ir != 0) {
                    perKind[kind(object).ordinal()] += ir;
                    String key = object == null || object.equals("???") ? GENERATED_CODE
                            : shortName(function) + " (" + fileName(object) + ")";
                    perFunction.merge(key, ir, Long::sum);
                }
                continue;
            }
            int eq = line.indexOf('=');
            int colon = line.indexOf(':');
            if (eq > 0 && (colon < 0 || eq < colon)) {
                String key = line.substring(0, eq);
                String value = line.substring(eq + 1);
                switch (key) {
                    case "ob" -> object = name(objects, value);
                    case "cob" -> name(objects, value);
                    case "fn" -> function = name(functions, value);
                    case "cfn" -> name(functions, value);
                    case "calls" -> callCost = true;
                    default -> {
                        // fl=, fi=, fe=, cfi=, cfl=, jump=, jcnd=: neither the object nor the function changes
                    }
                }
                continue;
            }
            if (colon > 0) {
                String key = line.substring(0, colon);
                String value = line.substring(colon + 1).trim();
                switch (key) {
                    case "thread" -> thread = Integer.parseInt(value);
                    case "totals" -> {
                        String[] f = value.split("\\s+");
                        totals = irColumn < f.length ? parseLong(f[irColumn]) : 0;
                    }
                    case "positions" -> positions = value.split("\\s+").length;
                    case "events" -> {
                        List<String> events = List.of(value.split("\\s+"));
                        irColumn = Math.max(0, events.indexOf("Ir"));
                    }
                    default -> {
                        // version, creator, pid, cmd, part, desc, summary
                    }
                }
            }
        }
        long sum = perKind[0] + perKind[1] + perKind[2];
        List<Hot> hottest = perFunction.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).limit(HOTTEST).map(e -> new Hot(e.getKey(), e.getValue())).toList();
        return new ThreadCost(thread, totals >= 0 ? totals : sum, perKind[Kind.JVM.ordinal()],
                perKind[Kind.C_LIBRARY.ordinal()], perKind[Kind.CODE.ordinal()], hottest);
    }

    /**
     * A function's name without its parameters (and what follows them, such as {@code [clone .part.0]}):
     * up to the first {@code (} outside template brackets; at most 70 characters.
     */
    static String shortName(String function) {
        if (function == null) {
            return "?";
        }
        int depth = 0;
        int end = function.length();
        for (int i = 0; i < function.length(); i++) {
            char ch = function.charAt(i);
            if (ch == '<') {
                depth++;
            } else if (ch == '>') {
                depth = Math.max(0, depth - 1);
            } else if (ch == '(' && depth == 0 && i > 0 && !function.startsWith("(anonymous", i)) {
                end = i;
                break;
            }
        }
        String s = function.substring(0, end).strip();
        return s.length() > 70 ? s.substring(0, 69) + "…" : s;
    }

    /** {@code (id) name} defines a compressed name, {@code (id)} refers to one; an uncompressed name is itself. */
    private static String name(Map<String, String> names, String value) {
        Matcher m = NAME.matcher(value.trim());
        if (!m.matches()) {
            return value.trim();
        }
        if (m.group(2) != null) {
            names.put(m.group(1), m.group(2).trim());
            return m.group(2).trim();
        }
        return names.getOrDefault(m.group(1), "(" + m.group(1) + ")");
    }

    private static String fileName(String object) {
        return object == null ? "?" : object.substring(object.lastIndexOf('/') + 1);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;                             // a hex or compressed position, never a cost
        }
    }

    /**
     * The threads of dump number {@code part} of the run whose {@code --callgrind-out-file} was
     * {@code base}: the files {@code base.PART-TT}, one per thread.
     */
    static Dump read(Path base, int part) throws IOException {
        Path dir = base.toAbsolutePath().getParent();
        String prefix = base.getFileName() + "." + part + "-";
        List<ThreadCost> threads = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().substring(prefix.length()).matches("\\d+")).sorted().toList()) {
                try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    threads.add(parse(r));
                }
            }
        }
        threads.sort(Comparator.comparingInt(ThreadCost::thread));
        return new Dump(threads);
    }

    /** Whether dump {@code part} of {@code base} has been written (at least one thread's file). */
    static boolean written(Path base, int part) {
        Path dir = base.toAbsolutePath().getParent();
        String prefix = base.getFileName() + "." + part + "-";
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until dump {@code part} of {@code base} is written or {@code timeoutNanos} pass, woken by
     * the directory's file events rather than by polling; true if it was written.
     */
    static boolean awaitWritten(Path base, int part, long timeoutNanos) throws IOException, InterruptedException {
        Path dir = base.toAbsolutePath().getParent();
        long deadline = System.nanoTime() + timeoutNanos;
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (!written(base, part)) { // checked after registering: a dump written before is seen here
                long left = deadline - System.nanoTime();
                WatchKey key = left > 0 ? watch.poll(left, TimeUnit.NANOSECONDS) : null;
                if (key == null) {
                    return written(base, part);
                }
                key.pollEvents();
                key.reset();
            }
            return true;
        }
    }

    /** valgrind's version from {@code valgrind --version} ({@code valgrind-3.19.0}), e.g. {3, 19}; null if unreadable. */
    static int[] version(String versionLine) {
        Matcher m = Pattern.compile("valgrind-(\\d+)\\.(\\d+)").matcher(versionLine == null ? "" : versionLine);
        return m.find() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    /**
     * Whether this valgrind is known to stop an io_uring server: 3.19 (and older) handle
     * {@code io_uring_enter} as a syscall that does not block, so the thread waiting in it keeps
     * valgrind's lock and every other thread of the process waits behind it.
     */
    static boolean ioUringWaitsUnsupported(int[] version) {
        return version == null || version[0] < 3 || (version[0] == 3 && version[1] <= 19);
    }
}
