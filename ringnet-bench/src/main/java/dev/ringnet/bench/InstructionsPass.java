package dev.ringnet.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The instructions pass of {@code bin/bench --instructions}: user-space instructions per request,
 * counted by valgrind's callgrind, for the servers that run under valgrind.
 *
 * <p>Hardware counters are missing in this VM, so {@code perf stat -e instructions} cannot count;
 * callgrind counts every instruction the process executes (Ir) in its own simulator, which does
 * not depend on the machine's load. For each server (its HTTP variant for the HTTP shapes, its echo
 * variant for the echo shape) one process runs under callgrind pinned to the server CPU,
 * instrumentation off, one dump file per thread. Per shape, with the load pinned to the client CPU:
 * <ol>
 *   <li>warm-up, uninstrumented (valgrind alone runs JVM code several times slower, so the JIT needs
 *       longer than in the timed runs): {@code --instructions-warmup} seconds in runs of at most
 *       {@value #WARMUP_RUN_MAX_SECONDS} s, so that connection set-up and close are warmed too;
 *       {@value #C_WARMUP_MAX_SECONDS} s at most for c-epoll, which has nothing to compile;</li>
 *   <li>a wait (up to {@value #IDLE_WAIT_MAX_SECONDS} s) until the server is idle: the JIT compilers
 *       finish their queue;</li>
 *   <li>instrumentation on, load not counted in runs of {@value #SETTLE_SECONDS} s, at least two, until the JIT
 *       compiler threads used at most {@value #SETTLE_COMPILER_MAX_PCT} % of a CPU in the last run, at most
 *       {@code --instructions-settle-max} seconds (default {@value #SETTLE_MAX_SECONDS}): callgrind translates all
 *       code again with instrumentation, which at first starves the server, and the server, now far slower than its
 *       load, takes paths the warm-up rarely took (a read holding many requests), which the JIT compiles then;</li>
 *   <li>counters zeroed, then one measured load run ({@code --instructions-measure} seconds: a whole
 *       wrk or EchoLoadMain run, connection set-up and close included), instrumentation off, dump;</li>
 *   <li>each thread's dump classified ({@link Callgrind}): request work (event loops, acceptors,
 *       carriers, pollers, the C server's thread) or JVM housekeeping (compiler threads, the VM
 *       thread with the serial GC, service threads); each sum divided by the requests of the run.</li>
 * </ol>
 * Kernel instructions are not counted: valgrind sees user space only.
 */
final class InstructionsPass {
    static final List<String> SHAPES = List.of("pipelined", "plaintext", "echo");
    static final List<String> DEFAULT_SHAPES = List.of("pipelined", "plaintext");
    static final List<String> SERVERS = List.of("ringnet-epoll", "ringnet-nio", "netty-epoll", "netty-nio", "jdk-vt", "c-epoll");
    static final int WARMUP_RUN_MAX_SECONDS = 10;
    static final int C_WARMUP_MAX_SECONDS = 3;
    static final int IDLE_WAIT_MAX_SECONDS = 30;
    static final int SETTLE_SECONDS = 5;
    /** The default of {@code --instructions-settle-max}. */
    static final int SETTLE_MAX_SECONDS = 30;
    static final int SETTLE_COMPILER_MAX_PCT = 5;
    static final int START_TIMEOUT_SECONDS = 120;
    /**
     * {@code --smc-check=all-non-file}: the JIT writes code; {@code allregs-at-mem-access}: the JVM
     * handles SIGSEGV in compiled code (implicit null checks) and reads the registers at the fault,
     * which valgrind keeps exact only with this setting (without it netty-nio crashed in
     * {@code AdaptivePoolingAllocator$Magazine.allocate}); it costs time, not instructions.
     */
    static final List<String> CALLGRIND_OPTIONS = List.of("--tool=callgrind", "--instr-atstart=no",
            "--smc-check=all-non-file", "--vex-iropt-register-updates=allregs-at-mem-access", "--separate-threads=yes");
    static final String IO_URING_REASON = "io_uring waits are not supported";

    /**
     * One server and shape. Exactly one of: a dump ({@code requests > 0}), {@code failure},
     * {@code notMeasurable}.
     *
     * @param seconds    the measured load run, wall time
     * @param warmupRate requests/s of the last warm-up run (uninstrumented)
     * @param rate       requests/s of the measured run (instrumented)
     * @param settleSeconds instrumented load before the measured run
     * @param settled    whether the settling ended on its conditions (not on its time limit)
     * @param dumpFiles  the dump's files, {@code callgrind/NAME.cg.PART-TT} under the results directory
     */
    record Result(String server, String shape, String notMeasurable, String failure, long requests, double seconds,
                  long errors, double warmupRate, double rate, int settleSeconds, boolean settled, Callgrind.Dump dump,
                  String dumpFiles) {
        static Result notMeasurable(String server, String shape, String why) {
            return new Result(server, shape, why, null, 0, 0, 0, Double.NaN, Double.NaN, 0, false, null, null);
        }

        static Result failed(String server, String shape, String why) {
            return new Result(server, shape, null, why, 0, 0, 0, Double.NaN, Double.NaN, 0, false, null, null);
        }

        boolean measured() {
            return dump != null && requests > 0;
        }

        double requestWorkPerRequest() {
            return measured() ? (double) dump.requestWorkIr() / requests : Double.NaN;
        }

        double housekeepingPerRequest() {
            return measured() ? (double) dump.housekeepingIr() / requests : Double.NaN;
        }
    }

    private final HttpBench bench;
    private final HttpBench.Options o;
    private final PrintStream out;
    private final boolean pin;
    private final long clkTck;
    private final Path dir;
    private String valgrindVersion = "valgrind (not available)";
    private int total;
    /** The server/shape pair in progress, 1-based, for the progress lines. */
    private int current;
    /** Dumps written by the server process in progress: dump n's files are NAME.cg.n-TT. */
    private int dumps;

    InstructionsPass(HttpBench bench, HttpBench.Options o, PrintStream out, boolean pin, long clkTck) {
        this.bench = bench;
        this.o = o;
        this.out = out;
        this.pin = pin;
        this.clkTck = clkTck;
        this.dir = o.out().resolve("callgrind");
    }

    String valgrindVersion() {
        return valgrindVersion;
    }

    /** The shapes of the pass: the selected ones it can measure, or pipelined and plaintext by default. */
    static List<String> shapes(List<String> selected, boolean explicit) {
        return explicit ? selected.stream().filter(SHAPES::contains).toList() : DEFAULT_SHAPES;
    }

    /** Why a server is not measured under valgrind of this version, or null. */
    static String notMeasurable(String server, int[] version, String versionText) {
        if (server.endsWith("io_uring")) {
            return Callgrind.ioUringWaitsUnsupported(version)
                    ? "not measurable under " + versionText + ": " + IO_URING_REASON : null;
        }
        return SERVERS.contains(server) ? null : "not measurable under valgrind";
    }

    /**
     * Runs the pass over {@code servers} (skipped ones: the reason) and {@code shapes}; one progress
     * line per step.
     */
    List<Result> run(List<String> servers, List<String> shapes, Map<String, String> skipped) throws InterruptedException {
        List<Result> results = new ArrayList<>();
        String missing = probe();
        int[] version = Callgrind.version(valgrindVersion);
        String versionText = version == null ? "this valgrind" : "valgrind " + version[0] + "." + version[1];
        Map<String, String> why = new LinkedHashMap<>();
        for (String server : servers) {
            String reason = skipped.containsKey(server) ? "skipped: " + skipped.get(server)
                    : missing != null ? "not measured: " + missing : notMeasurable(server, version, versionText);
            if (reason != null) {
                why.put(server, reason);
            }
        }
        total = (int) servers.stream().filter(s -> !why.containsKey(s)).count() * shapes.size();
        if (missing != null) {
            out.println("[instructions] skipped: " + missing);
        } else {
            out.printf(Locale.ROOT, "[instructions] %d server/shape pairs under %s (callgrind), servers pinned to CPU %d, load to "
                            + "CPU %d; warm-up %.0f s (c-epoll %d s), settle %d-%d s, measured %.0f s each%n", total,
                    valgrindVersion, o.serverCpu(), o.clientCpu(), o.instrWarmupNanos() / 1e9,
                    Math.min(C_WARMUP_MAX_SECONDS, (int) Math.ceil(o.instrWarmupNanos() / 1e9)), 2 * SETTLE_SECONDS,
                    settleRuns() * SETTLE_SECONDS, o.instrMeasureNanos() / 1e9);
        }
        for (String server : servers) {
            if (why.containsKey(server)) {
                out.println("[instructions] " + server + ": " + why.get(server));
                shapes.forEach(s -> results.add(Result.notMeasurable(server, s, why.get(server))));
                continue;
            }
            List<String> http = shapes.stream().filter(s -> !s.equals("echo")).toList();
            if (!http.isEmpty()) {
                results.addAll(server(server, http, false));
            }
            if (shapes.contains("echo")) {
                results.addAll(server(server, List.of("echo"), true));
            }
        }
        return results;
    }

    /** Null when valgrind and callgrind_control answer; why not otherwise. */
    private String probe() throws InterruptedException {
        String v = output(List.of(o.valgrind(), "--version"), 20);
        if (v == null || !v.startsWith("valgrind-")) {
            return o.valgrind() + " not found or not working (Debian: apt-get install valgrind)";
        }
        valgrindVersion = v.strip();
        String c = output(List.of(callgrindControl(), "--version"), 20);
        if (c == null || !c.startsWith("callgrind_control")) {
            return callgrindControl() + " not found or not working (it comes with valgrind)";
        }
        return null;
    }

    /** callgrind_control next to the valgrind given, or on the PATH. */
    String callgrindControl() {
        Path v = Path.of(o.valgrind());
        if (v.getParent() != null) {
            return v.resolveSibling("callgrind_control").toString();
        }
        return "callgrind_control";
    }

    /** One server process under callgrind, measured on {@code shapes} in turn. */
    private List<Result> server(String server, List<String> shapes, boolean echo) throws InterruptedException {
        List<Result> results = new ArrayList<>();
        String tag = server + (echo ? "-echo" : "");
        Path base = dir.resolve(tag + ".cg");
        Process p = null;
        try {
            Files.createDirectories(dir);
            clean(base);
            List<String> wrapper = new ArrayList<>();
            wrapper.add(o.valgrind());
            wrapper.addAll(CALLGRIND_OPTIONS);
            wrapper.add("--callgrind-out-file=" + base.toAbsolutePath());
            wrapper.add(vgdbPrefix());
            Path log = o.out().resolve("logs").resolve("instructions-" + tag + "-server.log");
            dumps = 0;
            current++;
            step(server, echo ? "echo" : String.join(",", shapes), "starting under callgrind (up to " + START_TIMEOUT_SECONDS + " s)");
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(bench.serverCommand(server, echo, wrapper)).redirectError(log.toFile());
            // A JVM that crashes under valgrind leaves its report with the logs, not in the working directory.
            pb.environment().put("JAVA_TOOL_OPTIONS", "-XX:ErrorFile=" + crashReport(tag).toAbsolutePath().toString()
                    .replace("PID", "%p"));
            p = pb.start();
            LineReader lines = new LineReader(p.getInputStream(), "callgrind-server-out");
            String ready = lines.next(TimeUnit.SECONDS.toMillis(START_TIMEOUT_SECONDS));
            if (ready == null || !ready.startsWith("listening on ")) {
                String why = (ready == null ? "did not start under valgrind within " + START_TIMEOUT_SECONDS + " s"
                        : ready.equals(LineReader.EOF) ? "exited under valgrind" : "unexpected output: " + ready)
                        + " (see logs/" + log.getFileName() + ")";
                for (int i = 0; i < shapes.size(); i++) {
                    current += i == 0 ? 0 : 1;
                    results.add(Result.failed(server, shapes.get(i), why));
                    step(server, shapes.get(i), "FAILED: " + why);
                }
                return results;
            }
            int port = Integer.parseInt(ready.replaceFirst("^listening on \\S*:(\\d+) .*$", "$1"));
            step(server, echo ? "echo" : String.join(",", shapes), String.format(Locale.ROOT, "listening after %.0f s (pid %d)",
                    (System.nanoTime() - t0) / 1e9, p.pid()));
            for (int i = 0; i < shapes.size(); i++) {
                String shape = shapes.get(i);
                current += i == 0 ? 0 : 1;
                Result r;
                try {
                    r = shape(server, shape, p, port, base);
                    if (r.failure() != null && !p.isAlive()) {
                        r = Result.failed(server, shape, r.failure() + (r.failure().contains("server died") ? "" : "; the server died")
                                + died(tag, p.pid()));
                    }
                } catch (IOException | RuntimeException e) {
                    r = Result.failed(server, shape, e.getMessage() != null ? e.getMessage() : e.toString());
                }
                if (r.failure() != null) {
                    control(p.pid(), "-i", "off");                  // leave the process uninstrumented for the next shape
                }
                results.add(r);
                step(server, shape, line(r));
            }
        } catch (IOException e) {
            for (String shape : shapes.subList(results.size(), shapes.size())) {
                results.add(Result.failed(server, shape, e.toString()));
                step(server, shape, "FAILED: " + e);
            }
        } finally {
            if (p != null) {
                // Killed, not stopped: a JVM takes 10 s and more to exit under valgrind, and the counts
                // are already written.
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                removeVgdbPipes(p.pid());
            }
        }
        return results;
    }

    /** The steps of one shape on a running server whose dumps go to {@code base}. */
    private Result shape(String server, String shape, Process p, int port, Path base)
            throws IOException, InterruptedException {
        long pid = p.pid();
        boolean c = server.equals("c-epoll");
        long warmup = c ? Math.min(o.instrWarmupNanos(), TimeUnit.SECONDS.toNanos(C_WARMUP_MAX_SECONDS)) : o.instrWarmupNanos();
        double warmRate = Double.NaN;
        if (warmup > 0) {
            int runs = (int) Math.max(1, Math.ceil(warmup / 1e9 / WARMUP_RUN_MAX_SECONDS));
            for (int i = 0; i < runs; i++) {
                Load w = load(server, shape, port, warmup / runs, "warmup" + (i + 1));
                if (w.failure() != null) {
                    return Result.failed(server, shape, "warm-up: " + w.failure());
                }
                warmRate = w.rate();
            }
            step(server, shape, String.format(Locale.ROOT, "warm-up %.0f s uninstrumented, last run %,.0f %s/s", warmup / 1e9,
                    warmRate, unit(shape)));
        }
        double idle = waitForIdle(pid);
        if (!p.isAlive()) {
            return Result.failed(server, shape, "the server died during the warm-up");
        }
        String on = control(pid, "-i", "on");
        if (on != null) {
            return Result.failed(server, shape, "instrumentation on: " + on);
        }
        step(server, shape, (idle < 0 ? "idle" : String.format(Locale.ROOT, "still %.0f %% busy after %d s", idle,
                IDLE_WAIT_MAX_SECONDS)) + "; instrumentation on, settling");
        int settleSeconds = 0;
        boolean settled = false;
        for (int i = 1; i <= settleRuns() && !settled; i++) {
            long c0 = compilerTicks(pid);
            long t0 = System.nanoTime();
            Load s = load(server, shape, port, TimeUnit.SECONDS.toNanos(SETTLE_SECONDS), "settle" + i);
            double compilers = 100.0 * (compilerTicks(pid) - c0) / clkTck / ((System.nanoTime() - t0) / 1e9);
            if (s.failure() != null) {
                return Result.failed(server, shape, "settling: " + s.failure());
            }
            settleSeconds = i * SETTLE_SECONDS;
            settled = i >= 2 && compilers <= SETTLE_COMPILER_MAX_PCT;
            step(server, shape, String.format(Locale.ROOT, "settling %d s instrumented: %,.0f %s/s, JIT compilers %.0f %% of a CPU%s",
                    i * SETTLE_SECONDS, s.rate(), unit(shape), compilers, settled ? "; settled"
                            : i == settleRuns() ? "; measuring anyway" : ""));
        }
        String zero = control(pid, "-z");
        if (zero != null) {
            return Result.failed(server, shape, "zeroing the counters: " + zero);
        }
        Load m = load(server, shape, port, o.instrMeasureNanos(), "measured");
        String off = control(pid, "-i", "off");
        if (m.failure() != null) {
            return Result.failed(server, shape, "measured run: " + m.failure());
        }
        String dumped = off == null ? control(pid, "-d") : off;
        if (dumped != null) {
            return Result.failed(server, shape, "dump: " + dumped);
        }
        int part = ++dumps;
        if (!Callgrind.awaitWritten(base, part, TimeUnit.SECONDS.toNanos(30))) {
            return Result.failed(server, shape, "callgrind wrote no dump " + part);
        }
        Callgrind.Dump dump = Callgrind.read(base, part);
        if (m.requests() == 0) {
            return Result.failed(server, shape, "no requests completed in the measured run");
        }
        return new Result(server, shape, null, null, m.requests(), m.seconds(), m.errors(), warmRate, m.rate(),
                settleSeconds, settled, dump, o.out().relativize(base) + "." + part + "-TT");
    }

    private Path crashReport(String tag) {
        return o.out().resolve("logs").resolve("instructions-" + tag + "-hs_err_pidPID.log");
    }

    /** Where to read why the server died: its log, and the JVM's crash report if it wrote one. */
    private String died(String tag, long pid) {
        Path hsErr = Path.of(crashReport(tag).toString().replace("PID", Long.toString(pid)));
        return " (see logs/instructions-" + tag + "-server.log" + (Files.exists(hsErr) ? " and logs/" + hsErr.getFileName() : "") + ")";
    }

    /** One load run's outcome. */
    record Load(long requests, double seconds, long errors, String failure) {
        double rate() {
            return seconds > 0 ? requests / seconds : Double.NaN;
        }
    }

    /** One wrk run, or one EchoLoadMain run without warm-up: all of its requests count. */
    private Load load(String server, String shape, int port, long nanos, String what) throws IOException, InterruptedException {
        boolean echo = shape.equals("echo");
        List<String> cmd = echo ? bench.echoLoadCommand(port, 0, nanos) : bench.wrkCommand(shape, port, nanos, false);
        Path log = o.out().resolve("logs").resolve("instructions-" + server + "-" + shape + "-" + what + (echo ? "-load.txt" : "-wrk.txt"));
        long t0 = System.nanoTime();
        Process w = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        LineReader lines = new LineReader(w.getInputStream(), "instructions-load-out");
        StringBuilder text = new StringBuilder();
        long deadline = t0 + nanos + TimeUnit.SECONDS.toNanos(60);
        String line;
        while ((line = lines.next(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))) != null
                && !line.equals(LineReader.EOF)) {
            text.append(line).append('\n');
        }
        boolean timedOut = line == null;
        if (timedOut) {
            w.destroyForcibly();
        }
        int exit = w.waitFor(10, TimeUnit.SECONDS) ? w.exitValue() : -1;
        double seconds = (System.nanoTime() - t0) / 1e9;
        Files.writeString(log, text);
        if (timedOut) {
            return new Load(0, seconds, 0, "load timed out (see logs/" + log.getFileName() + ")");
        }
        String s = text.toString();
        if (echo) {
            Map<String, String> result = s.lines().filter(l -> l.startsWith("result ")).findFirst()
                    .map(l -> EchoBench.parseResult(l.substring("result ".length()))).orElse(null);
            if (result == null) {
                return new Load(0, seconds, 0, "no result from the echo load, exit " + exit + " (see logs/" + log.getFileName() + ")");
            }
            long n = Long.parseLong(result.getOrDefault("warmup_round_trips", "0")) + Long.parseLong(result.getOrDefault("round_trips", "0"));
            return new Load(n, seconds, Long.parseLong(result.getOrDefault("errors", "0")), null);
        }
        long n = HttpBench.wrkRequests(s);
        if (exit != 0 || n < 0) {
            return new Load(0, seconds, 0, "wrk exit " + exit + ", " + (n < 0 ? "no result" : n + " requests")
                    + " (see logs/" + log.getFileName() + ")");
        }
        return new Load(n, seconds, HttpBench.wrkErrors(s), null);
    }

    /**
     * CPU ticks of the process's JIT compiler threads (HotSpot names them "C1 CompilerThreadN" and
     * "C2 CompilerThreadN"; Linux keeps 15 characters); 0 for a process without them.
     */
    static long compilerTicks(long pid) {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    if (!Files.readString(task.resolve("comm")).matches("(?s)C[12] Compiler.*")) {
                        continue;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks;
    }

    /** Waits until the server uses at most 5 % of a CPU over a second; -1 then, else its last share in %. */
    private double waitForIdle(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(IDLE_WAIT_MAX_SECONDS);
        ProcCpu.Sample a = ProcCpu.read(pid);
        double busy = Double.NaN;
        while (a != null) {
            long t = System.nanoTime();
            Thread.sleep(1000); // the sampling window of a CPU-share measurement, not a wait for an event
            ProcCpu.Sample b = ProcCpu.read(pid);
            if (b == null) {
                break;
            }
            busy = 100.0 * b.minus(a).cpuTicks() / clkTck / ((System.nanoTime() - t) / 1e9);
            if (busy <= 5) {
                return -1;
            }
            if (System.nanoTime() > deadline) {
                return busy;
            }
            a = b;
        }
        return -1;
    }

    /** {@code callgrind_control ARGS PID}; null when it answered OK, what it said otherwise. */
    private String control(long pid, String... args) throws InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(callgrindControl());
        cmd.add(vgdbPrefix());
        cmd.addAll(List.of(args));
        cmd.add(Long.toString(pid));
        String text = output(cmd, 60);
        if (text == null) {
            return "callgrind_control " + String.join(" ", args) + " did not answer";
        }
        // It exits 0 even when it found no such process; its "OK." is the answer.
        return text.contains("OK.") && !text.contains("Error") ? null : text.strip().replace('\n', ' ');
    }

    /** A short command's output (stdout and stderr), or null if it could not run or took over {@code seconds}. */
    private static String output(List<String> cmd, int seconds) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            LineReader lines = new LineReader(p.getInputStream(), "callgrind-control-out");
            StringBuilder text = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            String line;
            while ((line = lines.next(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))) != null
                    && !line.equals(LineReader.EOF)) {
                text.append(line).append('\n');
            }
            if (line == null) {
                p.destroyForcibly();
                return null;
            }
            p.waitFor(5, TimeUnit.SECONDS);
            return text.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** Settling runs at most: {@code --instructions-settle-max} in runs of {@value #SETTLE_SECONDS} s, at least two. */
    int settleRuns() {
        return (int) Math.max(2, Math.round(o.instrSettleMaxNanos() / 1e9 / SETTLE_SECONDS));
    }

    /**
     * Where valgrind creates the FIFOs through which callgrind_control talks to it: with the dumps,
     * not in /tmp, since a killed valgrind leaves them behind ({@link #removeVgdbPipes} removes them).
     */
    private String vgdbPrefix() {
        return "--vgdb-prefix=" + dir.toAbsolutePath().resolve("vgdb-pipe");
    }

    private void removeVgdbPipes(long pid) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.toAbsolutePath(), "vgdb-pipe-*-" + pid + "-*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // left behind: harmless FIFOs
        }
    }

    /** Removes an earlier run's dumps of the same name, so that no stale thread file is read with the new ones. */
    private static void clean(Path base) throws IOException {
        String name = base.getFileName().toString();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(base.toAbsolutePath().getParent())) {
            for (Path f : files) {
                if (f.getFileName().toString().startsWith(name)) {
                    Files.delete(f);
                }
            }
        }
    }

    private static String unit(String shape) {
        return shape.equals("echo") ? "rt" : "req";
    }

    private void step(String server, String shape, String what) {
        out.printf(Locale.ROOT, "[instructions %d/%d] %-14s %-9s %s%n", current, total, server, shape, what);
        out.flush();
    }

    static String line(Result r) {
        if (r.notMeasurable() != null) {
            return r.notMeasurable();
        }
        if (r.failure() != null) {
            return "FAILED: " + r.failure();
        }
        String per = unit(r.shape());
        long request = r.dump().active().stream().filter(Callgrind.ThreadCost::requestWork).count();
        long housekeeping = r.dump().active().stream().filter(t -> !t.requestWork()).count();
        return String.format(Locale.ROOT, "measured %,d %s in %.1f s (%,.0f/s instrumented): request work %,.0f Ir/%s, "
                        + "housekeeping %,.0f Ir/%s (threads: %d request work, %d housekeeping)%s", r.requests(),
                r.shape().equals("echo") ? "round trips" : "requests", r.seconds(), r.rate(), r.requestWorkPerRequest(), per,
                r.housekeepingPerRequest(), per, request, housekeeping, r.errors() > 0 ? ", load errors " + r.errors() : "");
    }

    // ------------------------------------------------------------------------------------- output

    /** The summary table (one row per server and shape) for the console and the report. */
    static String table(List<Result> results, List<String> servers, List<String> shapes) {
        StringBuilder sb = new StringBuilder("| shape | server | requests in window | request work Ir/req | housekeeping Ir/req "
                + "| request work + housekeeping | threads (request work / housekeeping) | settled |\n|---|---|---:|---:|---:|---:|---|---|\n");
        for (String shape : shapes) {
            for (String server : servers) {
                Result r = results.stream().filter(x -> x.server().equals(server) && x.shape().equals(shape)).findFirst().orElse(null);
                if (r == null) {
                    continue;
                }
                sb.append("| ").append(HttpBench.shapeLabel(shape)).append(" | ").append(server).append(" | ");
                if (!r.measured()) {
                    sb.append(r.notMeasurable() != null ? r.notMeasurable() : "failed: " + r.failure()).append(" | | | | | |\n");
                    continue;
                }
                long request = r.dump().active().stream().filter(Callgrind.ThreadCost::requestWork).count();
                long housekeeping = r.dump().active().stream().filter(t -> !t.requestWork()).count();
                sb.append(String.format(Locale.ROOT, "%,d | %,.0f | %,.0f | %,.0f | %d / %d | %s |%n", r.requests(),
                        r.requestWorkPerRequest(), r.housekeepingPerRequest(),
                        r.requestWorkPerRequest() + r.housekeepingPerRequest(), request, housekeeping,
                        (r.settled() ? "after " : "no, after ") + r.settleSeconds() + " s"));
            }
        }
        return sb.toString();
    }

    /** Every thread that ran in each window, with its class and why. */
    static String threadTable(List<Result> results) {
        StringBuilder sb = new StringBuilder("| server | shape | thread | class | Ir | Ir/req | code % | libjvm % | C libraries % "
                + "| hottest (share of the thread's Ir) |\n|---|---|---:|---|---:|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            if (!r.measured()) {
                continue;
            }
            for (Callgrind.ThreadCost t : r.dump().active()) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %,d | %,.0f | %.1f | %.1f | %.1f | %s |%n",
                        r.server(), r.shape(), t.thread(), t.classification(), t.ir(), (double) t.ir() / r.requests(),
                        pct(t.codeIr(), t.ir()), pct(t.jvmIr(), t.ir()), pct(t.cLibraryIr(), t.ir()), hottest(t)));
            }
        }
        return sb.toString();
    }

    private static String hottest(Callgrind.ThreadCost t) {
        StringBuilder sb = new StringBuilder();
        for (Callgrind.Hot h : t.hottest()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(h.where().replace("|", "\\|").replace("<", "&lt;"))
                    .append(String.format(Locale.ROOT, " %.0f %%", pct(h.ir(), t.ir())));
        }
        return sb.toString();
    }

    private static double pct(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    /** The pass in results.json. */
    static List<Object> json(List<Result> results) {
        List<Object> list = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("server", r.server());
            j.put("shape", r.shape());
            if (r.notMeasurable() != null) {
                j.put("not_measurable", r.notMeasurable());
            } else if (r.failure() != null) {
                j.put("failure", r.failure());
            } else {
                j.put("requests", r.requests());
                j.put("window_s", r.seconds());
                j.put("load_errors", r.errors());
                j.put("warmup_last_run_per_s", r.warmupRate());
                j.put("instrumented_per_s", r.rate());
                j.put("settle_s", r.settleSeconds());
                j.put("settled", r.settled());
                j.put("request_work_ir", r.dump().requestWorkIr());
                j.put("housekeeping_ir", r.dump().housekeepingIr());
                j.put("request_work_ir_per_req", r.requestWorkPerRequest());
                j.put("housekeeping_ir_per_req", r.housekeepingPerRequest());
                j.put("dump", r.dumpFiles());
                List<Object> threads = new ArrayList<>();
                for (Callgrind.ThreadCost t : r.dump().active()) {
                    Map<String, Object> th = new LinkedHashMap<>();
                    th.put("thread", t.thread());
                    th.put("class", t.requestWork() ? "request_work" : "housekeeping");
                    th.put("ir", t.ir());
                    th.put("code_ir", t.codeIr());
                    th.put("libjvm_ir", t.jvmIr());
                    th.put("c_library_ir", t.cLibraryIr());
                    List<Object> hot = new ArrayList<>();
                    for (Callgrind.Hot h : t.hottest()) {
                        Map<String, Object> x = new LinkedHashMap<>();
                        x.put("where", h.where());
                        x.put("ir", h.ir());
                        hot.add(x);
                    }
                    th.put("hottest", hot);
                    threads.add(th);
                }
                j.put("threads", threads);
            }
            list.add(j);
        }
        return list;
    }
}
