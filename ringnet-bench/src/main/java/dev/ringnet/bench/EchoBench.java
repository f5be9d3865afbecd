package dev.ringnet.bench;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Orchestrates the echo benchmark: for each round, for each server backend (the order reversed
 * every other round), starts {@link EchoServerMain} pinned to one CPU and {@link EchoLoadMain}
 * pinned to another, and reads the server's cost over exactly the client's measured period:
 * CPU time from {@code /proc/PID/stat}, and with {@code perf stat} the events this machine can
 * count (instructions and cycles where the hardware counters are exposed; system calls and context
 * switches through software events). Writes {@code echo.md} and {@code echo.json} and prints the
 * summary table.
 *
 * <pre>
 * java -cp ringnet-bench.jar:lib/* dev.ringnet.bench.EchoBench [--rounds 5] [--connections 64]
 *      [--warmup 3] [--measure 5] [--backends io_uring,nio] [--quick] [--out DIR]
 * </pre>
 */
public final class EchoBench {
    static final List<String> CHILD_JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED");

    private static final String USAGE = """
            usage: bench-echo [--rounds R] [--connections C] [--warmup S] [--measure S]
                              [--backends io_uring,nio] [--quick] [more options]
              --rounds R          rounds; each runs every backend once, order alternating (default 5)
              --connections C     concurrent ping-pong connections (default 64)
              --warmup S          seconds of warm-up per run, not measured (default 3)
              --measure S         seconds measured per run (default 5)
              --backends LIST     server backends, comma-separated (default: every available one)
              --quick             smoke check: 2 rounds x (1 s warm-up + 2 s measure)
              --payload BYTES     message size (default 64)
              --client-backend B  the load generator's backend, the same for every run (default auto)
              --server-cpu N      CPU for the server (default 0)
              --client-cpu N      CPU for the load generator (default 1)
              --no-pin            do not pin with taskset
              --nice N            run server and client under nice -n N (e.g. -20, needs root):
                                  other processes then barely get those CPUs during a run; they
                                  are starved meanwhile, so not on a machine others rely on
              --max-others P      a run during which other processes used more than P % of the
                                  two CPUs is disturbed: repeated, and left out of the summary
                                  (default 5)
              --retries N         how many times a disturbed run is repeated (default 2)
              --quiet-wait S      before each run, wait up to S seconds for the two CPUs to be idle
                                  (other processes below 10 %) (default 60; 0 = do not wait)
              --no-perf           do not use perf stat, only /proc CPU time
              --syscalls          also count the server's system calls (perf tracepoint
                                  raw_syscalls:sys_enter); this slows every system call on the
                                  machine a little, more for backends making more of them
              --out DIR           where echo.md and echo.json go (default bench-results/<date>)
            """;

    private final Options o;
    private final PrintStream out;
    private final Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    private final String classPath = System.getProperty("java.class.path");
    private final long clkTck = ProcCpu.clockTicksPerSecond();
    private final List<String> perfEvents = new ArrayList<>();
    private final List<String> perfNotes = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private boolean pin;
    private int busyStarts;

    record Options(int rounds, int connections, int payload, long warmupNanos, long measureNanos,
                   List<String> backends, String clientBackend, int serverCpu, int clientCpu, boolean pin,
                   boolean perf, boolean syscalls, long quietWaitNanos, double maxOthersPct, int retries,
                   Integer nice, Path out, String command) {}

    /** One server run; {@code failure} non-null when it produced no measurement. */
    record Run(int index, int round, int position, String backend, Map<String, String> client, double windowSeconds,
               ProcCpu.Sample server, ProcCpu.Sample clientCpu, ProcCpu.CpuSample serverCore,
               ProcCpu.CpuSample clientCore, Map<String, Double> perf, String failure, int attempt, boolean discarded) {
        /** This run as attempt {@code n} of its slot, discarded (repeated because disturbed) or kept. */
        Run as(int n, boolean discard) {
            return new Run(index, round, position, backend, client, windowSeconds, server, clientCpu, serverCore,
                    clientCore, perf, failure, n, discard);
        }

        double rate() {
            return num("round_trips_per_s");
        }

        double num(String key) {
            String v = client == null ? null : client.get(key);
            return v == null ? Double.NaN : Double.parseDouble(v);
        }

        /** Round trips in the window the server's counters covered (rate x that window). */
        double roundTripsInWindow() {
            return rate() * windowSeconds;
        }

        boolean ok() {
            return failure == null;
        }
    }

    /** A column of the tables: how to compute it from a run, how to print it, whether the summary shows it. */
    record Metric(String key, String title, String format, boolean summary, ToDoubleFunction<Run> value) {
        String show(double v) {
            return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v);
        }
    }

    private EchoBench(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] argv) throws Exception {
        Options o;
        try {
            o = parse(argv);
        } catch (Args.UsageException e) {
            System.err.println("bench-echo: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.print(USAGE);
            return;
        }
        int status = new EchoBench(o, System.out).run();
        System.exit(status);
    }

    static Options parse(String[] argv) {
        Args a = Args.parse(argv,
                Set.of("--rounds", "--connections", "--warmup", "--measure", "--backends", "--payload",
                        "--client-backend", "--server-cpu", "--client-cpu", "--out", "--command", "--quiet-wait",
                        "--max-others", "--retries", "--nice"),
                Set.of("--quick", "--no-pin", "--no-perf", "--syscalls", "--help", "-h"));
        if (a.flag("--help") || a.flag("-h")) {
            return null;
        }
        boolean quick = a.flag("--quick");
        List<String> available = Backends.all().stream().filter(BackendInfo::available).map(BackendInfo::name).toList();
        List<String> backends = a.list("--backends", available);
        for (String b : backends) {
            BackendInfo info;
            try {
                info = Backends.find(b);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException(e.getMessage());
            }
            if (!info.available()) {
                throw new Args.UsageException("backend " + info.name() + " is unavailable here: " + info.detail());
            }
        }
        if (backends.stream().distinct().count() != backends.size()) {
            throw new Args.UsageException("--backends names a backend twice: " + backends);
        }
        Path outDir = Path.of(a.string("--out", "bench-results/" + LocalDate.now()));
        String command = a.string("--command", "java dev.ringnet.bench.EchoBench " + String.join(" ", argv));
        return new Options(a.integer("--rounds", quick ? 2 : 5, 1), a.integer("--connections", 64, 1),
                a.integer("--payload", 64, 8), a.seconds("--warmup", quick ? 1 : 3, 0),
                a.seconds("--measure", quick ? 2 : 5, 0.5), backends, a.string("--client-backend", "auto"),
                a.integer("--server-cpu", 0, 0), a.integer("--client-cpu", 1, 0), !a.flag("--no-pin"),
                !a.flag("--no-perf"), a.flag("--syscalls"), a.seconds("--quiet-wait", 60, 0),
                a.integer("--max-others", 5, 0), a.integer("--retries", 2, 0),
                a.has("--nice") ? a.integer("--nice", 0, -20) : null, outDir, command);
    }

    // ------------------------------------------------------------------ running

    int run() throws IOException, InterruptedException {
        Files.createDirectories(o.out().resolve("logs"));
        pin = o.pin() && checkPinning();
        if (o.perf()) {
            List<String> wanted = new ArrayList<>(List.of(PerfStat.INSTRUCTIONS, PerfStat.CYCLES, PerfStat.TASK_CLOCK,
                    PerfStat.CONTEXT_SWITCHES));
            if (o.syscalls()) {
                wanted.add(PerfStat.SYSCALLS);
                notes.add("System calls were counted (--syscalls): the raw_syscalls tracepoint slows every system call"
                        + " a little while enabled, more so for a backend making more of them.");
            }
            perfEvents.addAll(PerfStat.probe(wanted, perfNotes));
        } else {
            perfNotes.add("perf not used (--no-perf)");
        }
        if (!perfEvents.contains(PerfStat.INSTRUCTIONS)) {
            notes.add("Instructions and cycles per round trip are not available (" + (o.perf()
                    ? "perf: instructions/cycles <not supported> or perf missing" : "--no-perf")
                    + "); the server's cost is its CPU time from /proc/PID/stat (utime+stime) instead.");
        }
        int total = o.rounds() * o.backends().size();
        out.printf(Locale.ROOT, "bench-echo: %d rounds x %s, %d connections x %d B, %.1f s warm-up + %.1f s measured per run"
                        + " (about %d s in all)%n", o.rounds(), o.backends(), o.connections(), o.payload(),
                o.warmupNanos() / 1e9, o.measureNanos() / 1e9,
                Math.round(total * (o.warmupNanos() + o.measureNanos()) / 1e9 + total * 2.5));
        out.println("bench-echo: server " + (pin ? "on CPU " + o.serverCpu() : "unpinned") + ", client "
                + (pin ? "on CPU " + o.clientCpu() : "unpinned") + "; perf events: "
                + (perfEvents.isEmpty() ? "none" : String.join(",", perfEvents)));
        for (String n : perfNotes) {
            out.println("bench-echo: perf: " + n);
        }

        List<Run> runs = new ArrayList<>();
        int index = 0;
        for (int round = 1; round <= o.rounds(); round++) {
            List<String> order = new ArrayList<>(o.backends());
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (int pos = 0; pos < order.size(); pos++) {
                index++;
                for (int attempt = 0; ; attempt++) {
                    waitForQuiet();
                    Run r = runOne(index, attempt, round, pos + 1, order.get(pos));
                    boolean repeat = r.ok() && disturbed(r) && attempt < o.retries();
                    r = r.as(attempt, repeat);
                    runs.add(r);
                    out.println(progress(r, total) + (repeat ? String.format(Locale.ROOT,
                            " -> disturbed (other processes %.0f %% > %.0f %%), repeating", others(r), o.maxOthersPct()) : ""));
                    if (!repeat) {
                        break;
                    }
                }
            }
        }

        if (busyStarts > 0) {
            notes.add(busyStarts + " run(s) started while other processes kept the CPUs busy (--quiet-wait ran out).");
        }
        String md = markdown(runs);
        Files.writeString(o.out().resolve("echo.md"), md, StandardCharsets.UTF_8);
        Files.writeString(o.out().resolve("echo.json"), Json.write(json(runs)), StandardCharsets.UTF_8);
        out.println();
        out.print(summaryTable(runs));
        out.println();
        String paired = pairedTable(runs);
        if (!paired.isEmpty()) {
            out.println("Paired by round, against " + baseline() + " (ratio, median (min–max)):");
            out.print(paired);
            out.println();
        }
        for (String n : notes) {
            out.println("note: " + n);
        }
        out.println("wrote " + o.out().resolve("echo.md") + " and echo.json");
        return runs.stream().allMatch(Run::ok) ? 0 : 1;
    }

    /**
     * Waits until both benchmark CPUs are nearly idle (busy below 10 % over a second), at most
     * {@code --quiet-wait}: on a shared machine, a build or a test suite elsewhere would otherwise
     * land in the middle of a run.
     */
    private void waitForQuiet() throws InterruptedException {
        if (!ProcCpu.waitForQuiet(o.serverCpu(), o.clientCpu(), o.quietWaitNanos(), clkTck, "bench-echo", out)) {
            busyStarts++;
        }
    }

    private boolean checkPinning() throws InterruptedException {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (Math.max(o.serverCpu(), o.clientCpu()) >= cpus || o.serverCpu() == o.clientCpu()) {
            notes.add("Not pinned: server CPU " + o.serverCpu() + " and client CPU " + o.clientCpu()
                    + " must be different CPUs below " + cpus + ".");
            return false;
        }
        try {
            Process p = new ProcessBuilder("taskset", "-c", Integer.toString(o.serverCpu()), "true")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) {
                return true;
            }
        } catch (IOException e) {
            // no taskset
        }
        notes.add("Not pinned: taskset is missing or refused (util-linux); processes ran where the scheduler put them.");
        return false;
    }

    private List<String> javaCommand(int cpu, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        if (o.nice() != null) {
            cmd.addAll(List.of("nice", "-n", Integer.toString(o.nice())));  // nice execs too: same pid
        }
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(cpu)));  // taskset execs java: same pid
        }
        cmd.add(javaBin.toString());
        cmd.addAll(CHILD_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath, mainClass));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    private Run runOne(int index, int attempt, int round, int position, String backend) throws InterruptedException {
        String tag = String.format(Locale.ROOT, "run-%02d%s-%s", index, attempt > 0 ? "." + attempt : "", backend);
        Path logs = o.out().resolve("logs");
        Process server = null;
        Process client = null;
        PerfStat perf = null;
        try {
            server = new ProcessBuilder(javaCommand(o.serverCpu(), EchoServerMain.class.getName(),
                    "--port", "0", "--backend", backend))
                    .redirectError(logs.resolve(tag + "-server.log").toFile()).start();
            LineReader serverOut = new LineReader(server.getInputStream(), "server-out");
            String ready = serverOut.next(30_000);
            if (ready == null || !ready.startsWith("listening on ")) {
                return failed(index, round, position, backend, "server did not start: " + ready + " (see " + tag + "-server.log)");
            }
            int port = Integer.parseInt(ready.replaceFirst("^listening on \\S*:(\\d+) .*$", "$1"));
            long serverPid = server.pid();
            if (!perfEvents.isEmpty()) {
                perf = PerfStat.attach(serverPid, perfEvents);
            }
            client = new ProcessBuilder(javaCommand(o.clientCpu(), EchoLoadMain.class.getName(),
                    "--port", Integer.toString(port), "--connections", Integer.toString(o.connections()),
                    "--payload", Integer.toString(o.payload()),
                    "--warmup", Double.toString(o.warmupNanos() / 1e9), "--measure", Double.toString(o.measureNanos() / 1e9),
                    "--backend", o.clientBackend()))
                    .redirectError(logs.resolve(tag + "-client.log").toFile()).start();
            LineReader clientOut = new LineReader(client.getInputStream(), "client-out");
            long deadline = System.nanoTime() + o.warmupNanos() + o.measureNanos() + TimeUnit.SECONDS.toNanos(60);
            long t0 = 0, t1 = 0;
            ProcCpu.Sample s0 = null, s1 = null, c0 = null, c1 = null;
            ProcCpu.CpuSample k0 = null, k1 = null, q0 = null, q1 = null;
            Map<String, String> result = null;
            String perfProblem = null;
            while (true) {
                String line = clientOut.next(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                if (line == null) {
                    return failed(index, round, position, backend, "load generator timed out (see " + tag + "-client.log)");
                }
                if (line.equals(LineReader.EOF)) {
                    break;
                }
                switch (line) {
                    case "measure-start" -> {
                        if (perf != null) {
                            try {
                                perf.enable();
                            } catch (IOException e) {
                                perfProblem = e.getMessage();
                            }
                        }
                        t0 = System.nanoTime();
                        s0 = ProcCpu.read(serverPid);
                        c0 = ProcCpu.read(client.pid());
                        k0 = ProcCpu.readCpu(o.serverCpu());
                        q0 = ProcCpu.readCpu(o.clientCpu());
                    }
                    case "measure-end" -> {
                        s1 = ProcCpu.read(serverPid);
                        c1 = ProcCpu.read(client.pid());
                        k1 = ProcCpu.readCpu(o.serverCpu());
                        q1 = ProcCpu.readCpu(o.clientCpu());
                        t1 = System.nanoTime();
                        if (perf != null && perfProblem == null) {
                            try {
                                perf.disable();
                            } catch (IOException e) {
                                perfProblem = e.getMessage();
                            }
                        }
                    }
                    default -> {
                        if (line.startsWith("result ")) {
                            result = parseResult(line.substring("result ".length()));
                        }
                    }
                }
            }
            if (!client.waitFor(10, TimeUnit.SECONDS)) {
                return failed(index, round, position, backend, "load generator did not exit");
            }
            if (result == null || s0 == null || s1 == null) {
                return failed(index, round, position, backend, "no result from the load generator (exit "
                        + client.exitValue() + ", see " + tag + "-client.log)");
            }
            stop(server);
            Map<String, Double> counts = Map.of();
            if (perf != null) {
                if (perfProblem == null) {
                    try {
                        counts = perf.finish(5_000);
                    } catch (IOException e) {
                        perfProblem = e.getMessage();
                    }
                }
                if (perfProblem != null) {
                    notes.add("run " + index + ": perf counts lost: " + perfProblem);
                }
            }
            return new Run(index, round, position, backend, result, (t1 - t0) / 1e9, s1.minus(s0),
                    c0 == null || c1 == null ? null : c1.minus(c0),
                    !pin || k0 == null || k1 == null ? null : k1.minus(k0),
                    !pin || q0 == null || q1 == null ? null : q1.minus(q0), counts, null, 0, false);
        } catch (IOException e) {
            return failed(index, round, position, backend, e.toString());
        } finally {
            if (client != null && client.isAlive()) {
                client.destroyForcibly();
            }
            if (server != null && server.isAlive()) {
                stop(server);
            }
            if (perf != null) {
                perf.close();
            }
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static Map<String, String> parseResult(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    private static Run failed(int index, int round, int position, String backend, String why) {
        return new Run(index, round, position, backend, null, 0, null, null, null, null, Map.of(), why, 0, false);
    }

    // ------------------------------------------------------------------ metrics

    private List<Metric> metrics() {
        List<Metric> m = new ArrayList<>();
        m.add(new Metric("round_trips_per_s", "round trips/s", "%,.0f", true, Run::rate));
        m.add(new Metric("median_slice_round_trips_per_s", "rt/s, median 100 ms slice", "%,.0f", true,
                r -> r.num("median_slice_round_trips_per_s")));
        m.add(new Metric("p50_us", "p50 µs", "%.0f", true, r -> r.num("p50_ns") / 1e3));
        m.add(new Metric("p99_us", "p99 µs", "%,.0f", true, r -> r.num("p99_ns") / 1e3));
        m.add(new Metric("server_cpu_us_per_rt", "server CPU µs/rt", "%.2f", true,
                r -> r.server().cpuTicks() * (1e6 / clkTck) / r.roundTripsInWindow()));
        // The user/kernel split of the process's time is sampled by the timer tick (see ProcCpu): fine over seconds.
        m.add(new Metric("server_user_us_per_rt", "server user µs/rt", "%.2f", true,
                r -> r.server().userTicks() * (1e6 / clkTck) / r.roundTripsInWindow()));
        m.add(new Metric("server_kernel_us_per_rt", "server kernel µs/rt", "%.2f", true,
                r -> r.server().systemTicks() * (1e6 / clkTck) / r.roundTripsInWindow()));
        if (perfEvents.contains(PerfStat.INSTRUCTIONS)) {
            m.add(new Metric("server_instructions_per_rt", "server instructions/rt", "%,.0f", true,
                    r -> perPerf(r, PerfStat.INSTRUCTIONS)));
        }
        if (perfEvents.contains(PerfStat.CYCLES)) {
            m.add(new Metric("server_cycles_per_rt", "server cycles/rt", "%,.0f", true, r -> perPerf(r, PerfStat.CYCLES)));
        }
        if (perfEvents.contains(PerfStat.SYSCALLS)) {
            m.add(new Metric("server_syscalls_per_rt", "server syscalls/rt", "%.2f", true, r -> perPerf(r, PerfStat.SYSCALLS)));
        }
        if (perfEvents.contains(PerfStat.CONTEXT_SWITCHES)) {
            m.add(new Metric("server_context_switches_per_rt", "server ctx switches/rt", "%.3f", true,
                    r -> perPerf(r, PerfStat.CONTEXT_SWITCHES)));
        } else {
            m.add(new Metric("server_context_switches_per_rt", "server ctx switches/rt", "%.3f", true,
                    r -> (r.server().voluntary() + r.server().involuntary()) / r.roundTripsInWindow()));
        }
        m.add(new Metric("server_cpu_pct", "server CPU %", "%.0f", false,
                r -> 100.0 * r.server().cpuTicks() / clkTck / r.windowSeconds()));
        m.add(new Metric("client_cpu_pct", "client CPU %", "%.0f", false,
                r -> r.clientCpu() == null ? Double.NaN : 100.0 * r.clientCpu().cpuTicks() / clkTck / r.windowSeconds()));
        String c0 = "CPU " + o.serverCpu(), c1 = "CPU " + o.clientCpu();
        m.add(new Metric("server_core_busy_pct", c0 + " busy %", "%.0f", false,
                r -> r.serverCore() == null ? Double.NaN : 100.0 * r.serverCore().busyTicks() / clkTck / r.windowSeconds()));
        m.add(new Metric("server_core_softirq_pct", c0 + " softirq %", "%.0f", false,
                r -> r.serverCore() == null ? Double.NaN : 100.0 * r.serverCore().softirqTicks() / clkTck / r.windowSeconds()));
        m.add(new Metric("client_core_busy_pct", c1 + " busy %", "%.0f", false,
                r -> r.clientCore() == null ? Double.NaN : 100.0 * r.clientCore().busyTicks() / clkTck / r.windowSeconds()));
        m.add(new Metric("client_core_softirq_pct", c1 + " softirq %", "%.0f", false,
                r -> r.clientCore() == null ? Double.NaN : 100.0 * r.clientCore().softirqTicks() / clkTck / r.windowSeconds()));
        // What ran on the two benchmark CPUs besides the server, the client and the kernel's softirq work:
        // other processes (builds, tests, the orchestrator, perf). Anything above a few % disturbed the run.
        m.add(new Metric("others_pct", "others on " + c0 + "/" + c1 + " %", "%.0f", true, this::others));
        return m;
    }

    /**
     * What other processes (builds, tests, the orchestrator, perf) used of the two benchmark CPUs
     * during the measured period, in % of both: each CPU's busy time less the time of the process
     * pinned to it. The kernel charges softirq work (loopback TCP processing) to the process it
     * interrupts, so it is inside the process's time. NaN when the processes were not pinned.
     */
    double others(Run r) {
        if (!r.ok() || r.serverCore() == null || r.clientCore() == null || r.clientCpu() == null) {
            return Double.NaN;
        }
        long others = Math.max(0, r.serverCore().busyTicks() - r.server().cpuTicks())
                + Math.max(0, r.clientCore().busyTicks() - r.clientCpu().cpuTicks());
        return 100.0 * others / clkTck / r.windowSeconds() / 2;
    }

    boolean disturbed(Run r) {
        double x = others(r);
        return !Double.isNaN(x) && x > o.maxOthersPct();
    }

    /** The runs a backend's summary is over: kept, successful, undisturbed; all kept ones if none is undisturbed. */
    private List<Run> summaryRuns(List<Run> runs, String backend) {
        List<Run> kept = runs.stream().filter(r -> r.backend().equals(backend) && r.ok() && !r.discarded()).toList();
        List<Run> clean = kept.stream().filter(r -> !disturbed(r)).toList();
        return clean.isEmpty() ? kept : clean;
    }

    private static double perPerf(Run r, String event) {
        Double v = r.perf().get(event);
        return v == null ? Double.NaN : v / r.roundTripsInWindow();
    }

    /** median, min, max of the finite values, or null if there are none. */
    static double[] spread(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new double[] {median, v[0], v[v.length - 1]};
    }

    private String progress(Run r, int total) {
        String head = String.format(Locale.ROOT, "[%d/%d%s] round %d/%d %-8s ", r.index(), total,
                r.attempt() > 0 ? " retry " + r.attempt() : "", r.round(), o.rounds(), r.backend());
        if (!r.ok()) {
            return head + "FAILED: " + r.failure();
        }
        StringBuilder sb = new StringBuilder(head);
        for (Metric m : metrics()) {
            if (m.summary()) {
                sb.append(' ').append(m.title()).append(' ').append(m.show(m.value().applyAsDouble(r))).append(';');
            }
        }
        sb.append(" errors ").append(r.client().getOrDefault("errors", "?"));
        return sb.toString();
    }

    private String summaryTable(List<Run> runs) {
        List<Metric> metrics = metrics().stream().filter(Metric::summary).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("| backend | runs |");
        for (Metric m : metrics) {
            sb.append(' ').append(m.title()).append(" |");
        }
        sb.append("\n|---|---:|");
        sb.append("---:|".repeat(metrics.size()));
        sb.append('\n');
        for (String backend : o.backends()) {
            List<Run> mine = summaryRuns(runs, backend);
            long kept = runs.stream().filter(r -> r.backend().equals(backend) && r.ok() && !r.discarded()).count();
            sb.append("| ").append(backend).append(" | ").append(mine.size()).append(mine.size() < kept ? " of " + kept : "").append(" |");
            for (Metric m : metrics) {
                double[] s = spread(mine.stream().map(r -> m.value().applyAsDouble(r)).toList());
                sb.append(' ').append(s == null ? "n/a" : m.show(s[0]) + " (" + m.show(s[1]) + "–" + m.show(s[2]) + ")").append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The backend the paired ratios are against: nio where measured (the portable one), else the last. */
    private String baseline() {
        return o.backends().contains("nio") ? "nio" : o.backends().getLast();
    }

    /**
     * Per round, each backend's round trips/s and server CPU per round trip divided by the
     * baseline's in the same round: runs minutes apart on a machine whose speed drifts compare
     * worse than neighbours.
     */
    private String pairedTable(List<Run> runs) {
        Map<String, List<List<Double>>> paired = paired(runs);
        if (paired.isEmpty()) {
            return "";
        }
        String base = baseline();
        StringBuilder sb = new StringBuilder();
        sb.append("| backend | rounds | round trips/s vs ").append(base).append(" | server CPU µs/rt vs ").append(base)
                .append(" |\n|---|---:|---:|---:|\n");
        for (Map.Entry<String, List<List<Double>>> e : paired.entrySet()) {
            double[] r = spread(e.getValue().get(0)), c = spread(e.getValue().get(1));
            sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue().get(0).size()).append(" | ")
                    .append(r == null ? "n/a" : String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", r[0], r[1], r[2])).append(" | ")
                    .append(c == null ? "n/a" : String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", c[0], c[1], c[2])).append(" |\n");
        }
        return sb.toString();
    }

    /** Per backend but the baseline: [round-trip-rate ratios, server-CPU-per-rt ratios], one per usable round. */
    private Map<String, List<List<Double>>> paired(List<Run> runs) {
        Map<String, List<List<Double>>> out = new LinkedHashMap<>();
        String base = baseline();
        if (o.backends().size() < 2) {
            return out;
        }
        Metric rate = metrics().get(0);
        Metric cpu = metrics().stream().filter(m -> m.key().equals("server_cpu_us_per_rt")).findFirst().orElseThrow();
        for (String backend : o.backends()) {
            if (backend.equals(base)) {
                continue;
            }
            List<Double> rates = new ArrayList<>(), cpus = new ArrayList<>();
            for (int round = 1; round <= o.rounds(); round++) {
                Run a = usable(runs, backend, round), b = usable(runs, base, round);
                if (a != null && b != null) {
                    rates.add(rate.value().applyAsDouble(a) / rate.value().applyAsDouble(b));
                    cpus.add(cpu.value().applyAsDouble(a) / cpu.value().applyAsDouble(b));
                }
            }
            out.put(backend, List.of(rates, cpus));
        }
        return out;
    }

    private Run usable(List<Run> runs, String backend, int round) {
        return runs.stream().filter(r -> r.backend().equals(backend) && r.round() == round && r.ok() && !r.discarded()
                && !disturbed(r)).findFirst().orElse(null);
    }

    private String markdown(List<Run> runs) {
        List<Metric> metrics = metrics();
        StringBuilder sb = new StringBuilder();
        sb.append("# Echo round trips: ringnet backends\n\n");
        sb.append("Median (min–max) per server backend over its undisturbed runs (").append(o.rounds())
                .append(" rounds; a run is disturbed when other processes used more than ")
                .append(Math.round(o.maxOthersPct())).append(" % of the two CPUs). rt = round trip.\n\n");
        sb.append(summaryTable(runs)).append('\n');
        String paired = pairedTable(runs);
        if (!paired.isEmpty()) {
            sb.append("Paired by round (each backend against ").append(baseline())
                    .append(" in the same round, both undisturbed): ratio, median (min–max).\n\n").append(paired).append('\n');
        }
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        sb.append("\n## Set-up\n\n");
        for (Map.Entry<String, Object> e : environment().entrySet()) {
            sb.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        sb.append("\n## Every run\n\nIn order. Discarded: disturbed, and repeated; disturbed: disturbed on its last attempt too"
                + " (left out of the summary unless every run of its backend was).\n\n| # | round | backend | status |");
        for (Metric m : metrics) {
            sb.append(' ').append(m.title()).append(" |");
        }
        sb.append(" errors |\n|---:|---:|---|---|").append("---:|".repeat(metrics.size() + 1)).append('\n');
        for (Run r : runs) {
            sb.append("| ").append(r.index()).append(r.attempt() > 0 ? "." + r.attempt() : "").append(" | ").append(r.round())
                    .append(" | ").append(r.backend()).append(" | ")
                    .append(!r.ok() ? "failed" : r.discarded() ? "discarded" : disturbed(r) ? "disturbed" : "ok").append(" |");
            if (!r.ok()) {
                sb.append(" failed: ").append(r.failure()).append(" |\n");
                continue;
            }
            for (Metric m : metrics) {
                sb.append(' ').append(m.show(m.value().applyAsDouble(r))).append(" |");
            }
            sb.append(' ').append(r.client().getOrDefault("errors", "?")).append(" |\n");
        }
        return sb.toString();
    }

    private Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("date", ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        env.put("command", o.command());
        env.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.home") + ")");
        env.put("kernel", readFirst("/proc/sys/kernel/osrelease", System.getProperty("os.version")) + " " + System.getProperty("os.arch"));
        env.put("CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs online");
        env.put("ringnet", gitDescription());
        env.put("load", o.connections() + " connections x " + o.payload() + " B ping-pong, one message in flight per connection; "
                + String.format(Locale.ROOT, "%.1f s warm-up + %.1f s measured per run", o.warmupNanos() / 1e9, o.measureNanos() / 1e9));
        env.put("order", "round 1: " + o.backends() + ", then reversed every other round");
        env.put("processes", "server (EchoServerMain, one loop, callback form) " + (pin ? "pinned to CPU " + o.serverCpu() : "unpinned")
                + "; client (EchoLoadMain, one loop, client backend " + o.clientBackend() + ") "
                + (pin ? "pinned to CPU " + o.clientCpu() : "unpinned") + "; both JVMs: " + String.join(" ", CHILD_JVM_OPTIONS)
                + (o.nice() == null ? "" : "; both under nice -n " + o.nice()));
        env.put("server counters", "process CPU time: /proc/PID/stat utime+stime (CLK_TCK " + clkTck + "); CPU busy: /proc/stat"
                + " user+nice+system+irq+softirq of the pinned CPU; both over the client's measured period; "
                + (perfEvents.isEmpty() ? "no perf events" : "perf stat -p PID -e " + String.join(",", perfEvents)
                + ", enabled/disabled over the same period"));
        if (!perfNotes.isEmpty()) {
            env.put("perf events left out", String.join("; ", perfNotes));
        }
        return env;
    }

    private Map<String, Object> json(List<Run> runs) {
        List<Metric> metrics = metrics();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "echo");
        root.putAll(environment());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("rounds", o.rounds());
        config.put("connections", o.connections());
        config.put("payload_bytes", o.payload());
        config.put("warmup_s", o.warmupNanos() / 1e9);
        config.put("measure_s", o.measureNanos() / 1e9);
        config.put("backends", o.backends());
        config.put("client_backend", o.clientBackend());
        config.put("pinned", pin);
        config.put("server_cpu", o.serverCpu());
        config.put("client_cpu", o.clientCpu());
        config.put("perf_events", perfEvents);
        config.put("max_others_pct", o.maxOthersPct());
        config.put("retries", o.retries());
        config.put("quiet_wait_s", o.quietWaitNanos() / 1e9);
        config.put("nice", o.nice());
        root.put("config", config);
        root.put("notes", notes);
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String backend : o.backends()) {
            List<Run> mine = summaryRuns(runs, backend);
            Map<String, Object> per = new LinkedHashMap<>();
            per.put("runs", mine.size());
            for (Metric m : metrics) {
                double[] s = spread(mine.stream().map(r -> m.value().applyAsDouble(r)).toList());
                if (s != null) {
                    Map<String, Object> stat = new LinkedHashMap<>();
                    stat.put("median", s[0]);
                    stat.put("min", s[1]);
                    stat.put("max", s[2]);
                    per.put(m.key(), stat);
                }
            }
            summary.put(backend, per);
        }
        root.put("summary", summary);
        Map<String, Object> paired = new LinkedHashMap<>();
        for (Map.Entry<String, List<List<Double>>> e : paired(runs).entrySet()) {
            Map<String, Object> per = new LinkedHashMap<>();
            per.put("baseline", baseline());
            per.put("rounds", e.getValue().get(0).size());
            per.put("round_trips_per_s_ratios", e.getValue().get(0));
            per.put("server_cpu_us_per_rt_ratios", e.getValue().get(1));
            paired.put(e.getKey(), per);
        }
        root.put("paired_by_round", paired);
        List<Object> list = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("index", r.index());
            j.put("round", r.round());
            j.put("position", r.position());
            j.put("backend", r.backend());
            j.put("attempt", r.attempt());
            j.put("discarded", r.discarded());
            j.put("disturbed", r.ok() && disturbed(r));
            if (!r.ok()) {
                j.put("failure", r.failure());
                list.add(j);
                continue;
            }
            for (Metric m : metrics) {
                j.put(m.key(), m.value().applyAsDouble(r));
            }
            j.put("window_s", r.windowSeconds());
            Map<String, Object> client = new LinkedHashMap<>(r.client());
            j.put("client", client);
            Map<String, Object> server = new LinkedHashMap<>();
            server.put("utime_ticks", r.server().userTicks());
            server.put("stime_ticks", r.server().systemTicks());
            server.put("voluntary_ctxt_switches", r.server().voluntary());
            server.put("nonvoluntary_ctxt_switches", r.server().involuntary());
            server.put("perf", new HashMap<>(r.perf()));
            j.put("server", server);
            j.put("server_core", core(r.serverCore()));
            j.put("client_core", core(r.clientCore()));
            list.add(j);
        }
        root.put("runs", list);
        return root;
    }

    private static Map<String, Object> core(ProcCpu.CpuSample c) {
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("busy_ticks", c.busyTicks());
        m.put("softirq_ticks", c.softirqTicks());
        m.put("steal_ticks", c.stealTicks());
        return m;
    }

    private static String readFirst(String path, String fallback) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return fallback;
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String gitDescription() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String head = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) {
                return "unknown (not a git checkout)";
            }
            Process s = new ProcessBuilder("git", "status", "--porcelain", "--", "ringnet-core").redirectErrorStream(true).start();
            String dirty = new String(s.getInputStream().readAllBytes()).strip();
            s.waitFor();
            return "commit " + head + (dirty.isEmpty() ? "" : " with uncommitted changes in ringnet-core");
        } catch (IOException e) {
            return "unknown (git not found)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
