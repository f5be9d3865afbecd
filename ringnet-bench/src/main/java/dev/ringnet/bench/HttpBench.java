package dev.ringnet.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comparison benchmark ({@code bin/bench}): ringnet against Netty 4.2, a JDK virtual-thread
 * server and a minimal C epoll server, on three HTTP shapes driven by {@code wrk} (TechEmpower
 * style) and a 64-byte echo ping-pong driven by {@link EchoLoadMain}.
 *
 * <p>For each round, each server (the order reversed every other round) is started pinned to one
 * CPU with one loop/worker; for each HTTP shape a {@code wrk -t1} pinned to another CPU warms it
 * up, then a second {@code wrk} measures; for the echo shape the server's echo variant is started
 * and one {@link EchoLoadMain} (pinned like wrk) warms up and measures. Over exactly the measured
 * period the orchestrator reads the server's CPU time ({@code /proc/PID/stat}), the load
 * generator's (wrk: its own reaped children's time; EchoLoadMain: its {@code /proc/PID/stat}) and
 * both CPUs' busy time ({@code /proc/stat}): what other processes used of the two CPUs marks a run
 * <em>disturbed</em> (repeated, and left out of the summary). Optionally, at the end, memory per
 * idle connection at several counts: connections opened by {@link IdleClientMain} processes to a
 * fresh server, one request each, then idle; heap (after a full GC) and RSS before and after.
 * Counts the file-descriptor limit does not allow are reported as not measurable (see
 * {@link FdLimits}).
 */
public final class HttpBench {
    static final List<String> SERVER_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms256m", "-Xmx256m",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    static final List<String> ALL_SERVERS = List.of("ringnet-io_uring", "ringnet-epoll", "ringnet-nio",
            "netty-io_uring", "netty-epoll", "netty-nio", "jdk-vt", "c-epoll");
    static final List<String> DEFAULT_SERVERS = List.of("ringnet-io_uring", "ringnet-epoll", "netty-io_uring",
            "netty-epoll", "netty-nio", "jdk-vt", "c-epoll");
    static final List<String> ALL_SHAPES = List.of("pipelined", "plaintext", "json", "echo");
    /** Bytes per echo message. */
    static final int ECHO_PAYLOAD = 64;
    /** Idle connections per {@link IdleClientMain} process (each from its own source address). */
    static final int CONNECTIONS_PER_CLIENT = 15_000;
    /** Connections opened (and kept) before the memory baseline, so that it includes warmed-up code paths. */
    static final int MEMORY_WARMUP_CONNECTIONS = 100;
    static final String C_EPOLL_SOURCE = "ringnet-bench/src/main/c/epoll_http.c";
    static final String C_EPOLL_FLAGS = "gcc -O2 -Wall -Wextra";

    private static final String USAGE = """
            usage: bin/bench [options]
              --quick             1 round, 1 s warm-up + 2 s measured per shape, no retries, no memory pass (< 3 min)
              --rounds R          rounds, servers interleaved (default 3)
              --servers LIST      of %s (default %s)
              --shapes LIST       of pipelined (plaintext, wrk pipeline.lua depth 16), plaintext, json,
                                  echo (64-byte ping-pong, EchoLoadMain) (default all)
              --connections C     connections of wrk and of the echo load (default 256)
              --warmup S          warm-up seconds per shape (default 3)
              --measure S         measured seconds per shape (default 5)
              --memory LIST       idle-connection counts for the memory pass, numbers or max (the largest the
                                  file-descriptor limit allows); 0 = skip (default 10000,100000, and max when
                                  100000 does not fit; counts that do not fit are reported as not measurable)
              --max-others P      a run is disturbed when other processes used more than P %% of the two CPUs (default 5)
              --retries N         repeats of a disturbed run (default 1)
              --quiet-wait S      before each server, wait up to S s for the two CPUs to be idle (default 20)
              --server-cpu N, --client-cpu N   (default 0 and 1)
              --instructions      also count user-space instructions per request under valgrind's callgrind (off by
                                  default and in --quick): ringnet-epoll, ringnet-nio, netty-epoll, netty-nio, jdk-vt and
                                  c-epoll among --servers (io_uring servers: not measurable under valgrind 3.19), shapes
                                  pipelined and plaintext, or those of --shapes among pipelined, plaintext, echo;
                                  2-3 min per JVM server for the two shapes (about 14 min for six)
              --instructions-warmup S   uninstrumented warm-up per shape under valgrind (default 30; c-epoll at most 3)
              --instructions-settle-max S   instrumented load before the measured run, in 5 s runs until the JIT
                                  compiler threads are quiet, at most S (default 30, at least 10)
              --instructions-measure S  instrumented, measured load run per shape (default 10)
              --valgrind PATH     valgrind (default valgrind; callgrind_control from the same directory)
              --c-epoll PATH      the compiled C server (default ringnet-bench/target/epoll_http; bin/bench builds it)
              --c-epoll-unavailable REASON     skip c-epoll, saying why (bin/bench: no gcc, or it failed)
              --out DIR           results directory (default bench-results/<date>)
            """.formatted(String.join(",", ALL_SERVERS), String.join(",", DEFAULT_SERVERS));

    /**
     * @param memory the {@code --memory} values (numbers or {@code max}); null for the default
     *               (resolved against the file-descriptor limit at run time); empty to skip
     */
    record Options(int rounds, List<String> servers, List<String> shapes, int connections, long warmupNanos,
                   long measureNanos, List<String> memory, double maxOthersPct, int retries, long quietWaitNanos,
                   int serverCpu, int clientCpu, Path out, String command, Path script, String wrk,
                   Path cEpoll, String cEpollUnavailable, boolean instructions, List<String> instrShapes,
                   long instrWarmupNanos, long instrSettleMaxNanos, long instrMeasureNanos, String valgrind) {}

    /**
     * One measured run: a wrk run of an HTTP shape, or an EchoLoadMain run of the echo shape (then
     * requests are round trips and clientTicks are the load generator's).
     */
    record Run(int index, int round, String server, String shape, int attempt, boolean discarded, String failure,
               double seconds, long requests, double rps, double p50us, double p99us, long errors,
               ProcCpu.Sample serverCpu, long clientTicks, ProcCpu.CpuSample core0, ProcCpu.CpuSample core1) {
        boolean ok() {
            return failure == null;
        }
    }

    /**
     * Memory at one count of idle connections on one server. Exactly one of: figures (heap NaN
     * for a server without a Java heap), {@code failure}, {@code notMeasurable}.
     */
    record Memory(String server, int connections, double heapBeforeKb, double heapAfterKb, double rssBeforeKb,
                  double rssAfterKb, String failure, String notMeasurable) {
        static Memory failed(String server, int connections, String why) {
            return new Memory(server, connections, Double.NaN, Double.NaN, Double.NaN, Double.NaN, why, null);
        }

        static Memory notMeasurable(String server, int connections, String why) {
            return new Memory(server, connections, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, why);
        }

        boolean measured() {
            return failure == null && notMeasurable == null;
        }

        double heapPerConn() {
            return (heapAfterKb - heapBeforeKb) * 1024 / connections;
        }

        double rssPerConn() {
            return (rssAfterKb - rssBeforeKb) * 1024 / connections;
        }
    }

    private final Options o;
    private final PrintStream out;
    private final Path javaHome = Path.of(System.getProperty("java.home"));
    private final String classPath = System.getProperty("java.class.path");
    private final long clkTck = ProcCpu.clockTicksPerSecond();
    private final List<String> notes = new ArrayList<>();
    /** Servers that cannot run here, and why (shown in the progress output, the tables and the notes). */
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private FdLimits.Limit fdLimit;
    private List<Integer> memoryCounts = List.of();
    private boolean pin;
    private int total;
    private String elapsed = "?";
    private String instructionsElapsed = "?";
    private String valgrindVersion = "valgrind (not available)";

    HttpBench(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] argv) throws Exception {
        Options o;
        try {
            o = parse(argv);
        } catch (Args.UsageException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.print(USAGE);
            return;
        }
        System.exit(new HttpBench(o, System.out).run());
    }

    static Options parse(String[] argv) {
        Args a = Args.parse(argv, Set.of("--rounds", "--servers", "--shapes", "--connections", "--warmup", "--measure",
                "--memory", "--max-others", "--retries", "--quiet-wait", "--server-cpu", "--client-cpu", "--out",
                "--command", "--script", "--wrk", "--c-epoll", "--c-epoll-unavailable", "--instructions-warmup",
                "--instructions-settle-max", "--instructions-measure", "--valgrind"), Set.of("--quick", "--help", "-h", "--instructions"));
        if (a.flag("--help") || a.flag("-h")) {
            return null;
        }
        boolean quick = a.flag("--quick");
        List<String> servers = a.list("--servers", DEFAULT_SERVERS);
        for (String s : servers) {
            if (!ALL_SERVERS.contains(s)) {
                throw new Args.UsageException("unknown server '" + s + "' (" + String.join(", ", ALL_SERVERS) + ")");
            }
        }
        List<String> shapes = a.list("--shapes", ALL_SHAPES);
        for (String s : shapes) {
            if (!ALL_SHAPES.contains(s)) {
                throw new Args.UsageException("unknown shape '" + s + "' (" + String.join(", ", ALL_SHAPES) + ")");
            }
        }
        double maxOthers;
        try {
            maxOthers = Double.parseDouble(a.string("--max-others", "5"));
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--max-others needs a number");
        }
        List<String> memory = quick ? List.of() : null;
        if (a.has("--memory")) {
            memory = new ArrayList<>();
            for (String m : a.list("--memory", List.of())) {
                if (!m.equals("max") && !m.matches("\\d+")) {
                    throw new Args.UsageException("--memory takes counts (or max), comma-separated: " + m);
                }
                if (!m.matches("0+")) {
                    memory.add(m);
                }
            }
        }
        String unavailable = a.string("--c-epoll-unavailable", "");
        boolean instructions = a.flag("--instructions");
        List<String> instrShapes = InstructionsPass.shapes(shapes, a.has("--shapes"));
        if (instructions && instrShapes.isEmpty()) {
            throw new Args.UsageException("--instructions measures the shapes pipelined, plaintext and echo; --shapes selects none of them");
        }
        return new Options(a.integer("--rounds", quick ? 1 : 3, 1), servers, shapes, a.integer("--connections", 256, 1),
                a.seconds("--warmup", quick ? 1 : 3, 0), a.seconds("--measure", quick ? 2 : 5, 0.5),
                memory, maxOthers, a.integer("--retries", quick ? 0 : 1, 0),
                a.seconds("--quiet-wait", quick ? 3 : 20, 0), a.integer("--server-cpu", 0, 0),
                a.integer("--client-cpu", 1, 0),
                Path.of(a.string("--out", "bench-results/" + LocalDate.now())),
                a.string("--command", "HttpBench " + String.join(" ", argv)),
                Path.of(a.string("--script", "scripts/pipeline.lua")), a.string("--wrk", "wrk"),
                Path.of(a.string("--c-epoll", "ringnet-bench/target/epoll_http")),
                unavailable.isBlank() ? null : unavailable, instructions, instrShapes,
                a.seconds("--instructions-warmup", 30, 0),
                a.seconds("--instructions-settle-max", InstructionsPass.SETTLE_MAX_SECONDS, 2 * InstructionsPass.SETTLE_SECONDS),
                a.seconds("--instructions-measure", 10, 1),
                a.string("--valgrind", "valgrind"));
    }

    int run() throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(o.out().resolve("logs"));
        pin = checkPinning();
        if (!Files.isReadable(o.script())) {
            out.println("bench: " + o.script() + " not found; run from the repository root");
            return 2;
        }
        if (o.servers().contains("c-epoll")) {
            String why = o.cEpollUnavailable() != null ? o.cEpollUnavailable()
                    : !Files.isExecutable(o.cEpoll()) ? o.cEpoll() + " not found (bin/bench compiles " + C_EPOLL_SOURCE
                    + " with gcc)" : null;
            if (why != null) {
                skipped.put("c-epoll", why);
                out.println("bench: c-epoll skipped: " + why);
                notes.add("c-epoll skipped: " + why + ".");
            }
        }
        fdLimit = FdLimits.read("self");
        long hard = fdLimit == null ? Long.MAX_VALUE : fdLimit.hard();
        memoryCounts = o.memory() == null ? FdLimits.defaultCounts(hard) : FdLimits.resolve(o.memory(), hard);
        List<String> running = o.servers().stream().filter(s -> !skipped.containsKey(s)).toList();
        total = o.rounds() * running.size() * o.shapes().size();
        List<Run> runs = new ArrayList<>();
        int index = 0;
        for (int round = 1; round <= o.rounds(); round++) {
            List<String> order = new ArrayList<>(running);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (String server : order) {
                index = runServer(runs, index, round, server);
            }
        }
        List<InstructionsPass.Result> instructions = List.of();
        if (o.instructions()) {
            long t = System.nanoTime();
            waitForQuiet();
            InstructionsPass pass = new InstructionsPass(this, o, out, pin, clkTck);
            instructions = pass.run(o.servers(), o.instrShapes(), skipped);
            valgrindVersion = pass.valgrindVersion();
            instructionsElapsed = minutes(System.nanoTime() - t);
        }
        List<Memory> memory = new ArrayList<>();
        if (!memoryCounts.isEmpty()) {
            for (String server : o.servers()) {
                for (Memory m : skipped.containsKey(server) ? memoryCounts.stream()
                        .map(n -> Memory.notMeasurable(server, n, "skipped: " + skipped.get(server))).toList()
                        : memory(server)) {
                    memory.add(m);
                    out.println(memoryLine(m));
                }
            }
        }
        out.println();
        out.print(summaryTables(runs));
        out.print(cEpollRatioTable(runs));
        if (o.instructions()) {
            out.println();
            out.print("Instructions per request (callgrind; user space only):\n\n"
                    + InstructionsPass.table(instructions, o.servers(), o.instrShapes()));
            out.println();
        }
        elapsed = String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - started) / 1e9);
        String md = markdown(runs, memory, instructions);
        Files.writeString(o.out().resolve("report.md"), md);
        Files.writeString(o.out().resolve("results.json"), Json.write(json(runs, memory, instructions)) + "\n");
        Files.writeString(o.out().resolve("chart.svg"), svg(runs));
        for (String n : notes) {
            out.println("note: " + n);
        }
        if (o.instructions()) {
            out.println("instructions pass took " + instructionsElapsed + (Files.isDirectory(o.out().resolve("callgrind"))
                    ? "; callgrind dumps in " + o.out().resolve("callgrind") : ""));
        }
        out.println("took " + elapsed + "; wrote " + o.out().resolve("report.md") + ", results.json and chart.svg");
        return runs.stream().filter(r -> !r.discarded()).allMatch(Run::ok)
                && instructions.stream().allMatch(r -> r.failure() == null) ? 0 : 1;
    }

    // ---------------------------------------------------------------------------------------------- runs

    private int runServer(List<Run> runs, int index, int round, String server) throws InterruptedException {
        waitForQuiet();
        List<String> http = o.shapes().stream().filter(s -> !s.equals("echo")).toList();
        if (!http.isEmpty()) {
            index = runShapes(runs, index, round, server, http, false);
        }
        if (o.shapes().contains("echo")) {
            index = runShapes(runs, index, round, server, List.of("echo"), true);
        }
        return index;
    }

    /** Starts the server (its HTTP or its echo variant) and measures {@code shapes} on it in turn. */
    private int runShapes(List<Run> runs, int index, int round, String server, List<String> shapes, boolean echo)
            throws InterruptedException {
        String tag = String.format(Locale.ROOT, "round%d-%s%s", round, server, echo ? "-echo" : "");
        Process p = null;
        try {
            p = startServer(server, echo, tag);
            int port = listeningPort(p);
            if (port < 0) {
                for (String shape : shapes) {
                    Run r = failed(++index, round, server, shape, "server did not start (see logs/" + tag + "-server.log)");
                    runs.add(r);
                    out.println(progress(r));
                }
                return index;
            }
            for (String shape : shapes) {
                index++;
                for (int attempt = 0; ; attempt++) {
                    Run r = echo ? measureEcho(index, round, server, attempt, p.pid(), port)
                            : measure(index, round, server, shape, attempt, p.pid(), port);
                    boolean repeat = r.ok() && disturbed(r) && attempt < o.retries();
                    if (repeat) {
                        r = withDiscarded(r);
                    }
                    runs.add(r);
                    out.println(progress(r) + (repeat ? " -> disturbed, repeating" : ""));
                    if (!repeat) {
                        break;
                    }
                }
            }
        } catch (IOException e) {
            for (String shape : shapes) {
                Run r = failed(++index, round, server, shape, e.toString());
                runs.add(r);
                out.println(progress(r));
            }
        } finally {
            if (p != null) {
                stop(p);
            }
        }
        return index;
    }

    /** The command that starts {@code server}: its HTTP variant, or its echo variant. */
    List<String> serverCommand(String server, boolean echo) {
        return serverCommand(server, echo, List.of());
    }

    /** The same, run by {@code wrapper} (valgrind and its options), which execs it: the pid stays the server's. */
    List<String> serverCommand(String server, boolean echo, List<String> wrapper) {
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(o.serverCpu())));  // execs: same pid
        }
        cmd.addAll(wrapper);
        if (server.equals("c-epoll")) {
            cmd.addAll(List.of(o.cEpoll().toString(), "--port", "0", "--mode", echo ? "echo" : "http"));
            return cmd;
        }
        String kind = server.substring(0, server.indexOf('-'));
        String transport = server.substring(server.indexOf('-') + 1);
        String main = switch (kind) {
            case "ringnet" -> (echo ? EchoServerMain.class : RingnetHttpMain.class).getName();
            case "netty" -> (echo ? NettyEchoMain.class : NettyHttpMain.class).getName();
            default -> (echo ? VirtualThreadEchoMain.class : VirtualThreadHttpMain.class).getName();
        };
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.addAll(SERVER_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath, main, "--port", "0"));
        if (kind.equals("ringnet")) {
            cmd.addAll(List.of(echo ? "--backend" : "--transport", transport));
        } else if (kind.equals("netty")) {
            cmd.addAll(List.of("--transport", transport));
        }
        return cmd;
    }

    private Process startServer(String server, boolean echo, String tag) throws IOException {
        return new ProcessBuilder(serverCommand(server, echo))
                .redirectError(o.out().resolve("logs").resolve(tag + "-server.log").toFile()).start();
    }

    private static int listeningPort(Process p) throws InterruptedException {
        LineReader lines = new LineReader(p.getInputStream(), "server-out");
        String ready = lines.next(30_000);
        if (ready == null || !ready.startsWith("listening on ")) {
            return -1;
        }
        return Integer.parseInt(ready.replaceFirst("^listening on \\S*:(\\d+) .*$", "$1"));
    }

    List<String> wrkCommand(String shape, int port, long nanos, boolean latency) {
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(o.clientCpu())));
        }
        cmd.addAll(List.of(o.wrk(), "-t1", "-c" + o.connections(),
                "-d" + Math.max(1, Math.round(nanos / 1e9)) + "s", "--timeout", "5s"));
        if (latency) {
            cmd.add("--latency");
        }
        if (shape.equals("pipelined")) {
            cmd.addAll(List.of("-s", o.script().toString()));
        }
        cmd.add("http://127.0.0.1:" + port + (shape.equals("json") ? "/json" : "/plaintext"));
        if (shape.equals("pipelined")) {
            cmd.addAll(List.of("--", "16"));
        }
        return cmd;
    }

    private List<String> echoLoadCommand(int port) {
        return echoLoadCommand(port, o.warmupNanos(), o.measureNanos());
    }

    List<String> echoLoadCommand(int port, long warmupNanos, long measureNanos) {
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(o.clientCpu())));
        }
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.addAll(EchoBench.CHILD_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath, EchoLoadMain.class.getName(), "--port", Integer.toString(port),
                "--connections", Integer.toString(o.connections()), "--payload", Integer.toString(ECHO_PAYLOAD),
                "--warmup", Double.toString(warmupNanos / 1e9), "--measure", Double.toString(measureNanos / 1e9),
                "--backend", "auto"));
        return cmd;
    }

    /** The shell form of the measured load command, for the report. */
    String loadCommandLine(String shape) {
        if (shape.equals("echo")) {
            return String.join(" ", echoLoadCommand(7000)).replace(classPath, "$CP");
        }
        return String.join(" ", wrkCommand(shape, 8080, o.measureNanos(), true));
    }

    private Run measure(int index, int round, String server, String shape, int attempt, long pid, int port)
            throws IOException, InterruptedException {
        if (o.warmupNanos() > 0) {
            Process w = new ProcessBuilder(wrkCommand(shape, port, o.warmupNanos(), false)).redirectErrorStream(true).start();
            w.getInputStream().readAllBytes();
            w.waitFor();
        }
        long children0 = childTicks();
        ProcCpu.Sample s0 = ProcCpu.read(pid);
        ProcCpu.CpuSample k0 = ProcCpu.readCpu(o.serverCpu()), q0 = ProcCpu.readCpu(o.clientCpu());
        long t0 = System.nanoTime();
        Process w = new ProcessBuilder(wrkCommand(shape, port, o.measureNanos(), true)).redirectErrorStream(true).start();
        String text = new String(w.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = w.waitFor();
        long t1 = System.nanoTime();
        ProcCpu.Sample s1 = ProcCpu.read(pid);
        ProcCpu.CpuSample k1 = ProcCpu.readCpu(o.serverCpu()), q1 = ProcCpu.readCpu(o.clientCpu());
        long children1 = childTicks();
        Files.writeString(runLog(index, attempt, server, shape, "wrk.txt"), text);
        if (exit != 0 || s0 == null || s1 == null) {
            return failed(index, round, server, shape, "wrk exit " + exit + (s1 == null ? ", server gone" : ""));
        }
        Matcher rps = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(text);
        long requests = wrkRequests(text);
        if (requests < 0 || !rps.find()) {
            return failed(index, round, server, shape, "no wrk result: " + text.strip().replace('\n', ' '));
        }
        long errors = wrkErrors(text);
        Run r = new Run(index, round, server, shape, attempt, false, null, (t1 - t0) / 1e9, requests,
                Double.parseDouble(rps.group(1)), latency(text, "50"), latency(text, "99"), errors,
                s1.minus(s0), children1 - children0,
                k0 == null || k1 == null ? null : k1.minus(k0), q0 == null || q1 == null ? null : q1.minus(q0));
        if (requests == 0) {
            return failed(index, round, server, shape, "no requests completed");
        }
        return r;
    }

    /**
     * One echo run: an {@link EchoLoadMain} warms up and measures in one process; the counters are
     * read on its {@code measure-start} and {@code measure-end} lines, so they cover the measured
     * period only.
     */
    private Run measureEcho(int index, int round, String server, int attempt, long pid, int port)
            throws IOException, InterruptedException {
        Process client = new ProcessBuilder(echoLoadCommand(port))
                .redirectError(runLog(index, attempt, server, "echo", "client.log").toFile()).start();
        try {
            LineReader lines = new LineReader(client.getInputStream(), "echo-load-out");
            long deadline = System.nanoTime() + o.warmupNanos() + o.measureNanos() + TimeUnit.SECONDS.toNanos(60);
            long t0 = 0, t1 = 0;
            ProcCpu.Sample s0 = null, s1 = null, c0 = null, c1 = null;
            ProcCpu.CpuSample k0 = null, k1 = null, q0 = null, q1 = null;
            Map<String, String> result = null;
            StringBuilder text = new StringBuilder();
            while (true) {
                String line = lines.next(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                if (line == null) {
                    return failed(index, round, server, "echo", "echo load timed out");
                }
                if (line.equals(LineReader.EOF)) {
                    break;
                }
                text.append(line).append('\n');
                if (line.equals("measure-start")) {
                    t0 = System.nanoTime();
                    s0 = ProcCpu.read(pid);
                    c0 = ProcCpu.read(client.pid());
                    k0 = ProcCpu.readCpu(o.serverCpu());
                    q0 = ProcCpu.readCpu(o.clientCpu());
                } else if (line.equals("measure-end")) {
                    s1 = ProcCpu.read(pid);
                    c1 = ProcCpu.read(client.pid());
                    k1 = ProcCpu.readCpu(o.serverCpu());
                    q1 = ProcCpu.readCpu(o.clientCpu());
                    t1 = System.nanoTime();
                } else if (line.startsWith("result ")) {
                    result = EchoBench.parseResult(line.substring("result ".length()));
                }
            }
            Files.writeString(runLog(index, attempt, server, "echo", "load.txt"), text);
            int exit = client.waitFor();
            if (result == null || s0 == null || s1 == null || c0 == null || c1 == null) {
                return failed(index, round, server, "echo", "no result from the echo load (exit " + exit
                        + (s1 == null ? ", server gone" : "") + ", see logs/" + runLog(index, attempt, server, "echo",
                        "client.log").getFileName() + ")");
            }
            long roundTrips = Long.parseLong(result.getOrDefault("round_trips", "0"));
            if (roundTrips == 0) {
                return failed(index, round, server, "echo", "no round trips completed (first error: "
                        + result.getOrDefault("first_error", "none") + ")");
            }
            return new Run(index, round, server, "echo", attempt, false, null, (t1 - t0) / 1e9, roundTrips,
                    Double.parseDouble(result.getOrDefault("round_trips_per_s", "0")),
                    Long.parseLong(result.getOrDefault("p50_ns", "0")) / 1e3,
                    Long.parseLong(result.getOrDefault("p99_ns", "0")) / 1e3,
                    Long.parseLong(result.getOrDefault("errors", "0")), s1.minus(s0), c1.minus(c0).cpuTicks(),
                    k0 == null || k1 == null ? null : k1.minus(k0), q0 == null || q1 == null ? null : q1.minus(q0));
        } catch (RuntimeException e) {
            return failed(index, round, server, "echo", "bad echo load output: " + e);
        } finally {
            if (client.isAlive()) {
                client.destroyForcibly();
                client.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private Path runLog(int index, int attempt, String server, String shape, String what) {
        return o.out().resolve("logs").resolve(String.format(Locale.ROOT, "run-%02d%s-%s-%s-%s", index,
                attempt > 0 ? "." + attempt : "", server, shape, what));
    }

    /** The requests wrk completed ({@code N requests in T}), -1 without that line. */
    static long wrkRequests(String text) {
        Matcher req = Pattern.compile("(\\d+) requests in ([\\d.]+)(\\w+)").matcher(text);
        return req.find() ? Long.parseLong(req.group(1)) : -1;
    }

    /** wrk's socket errors (connect, read, write, timeout) plus its non-2xx/3xx responses. */
    static long wrkErrors(String text) {
        long errors = 0;
        Matcher sock = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(text);
        if (sock.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(sock.group(g));
            }
        }
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(text);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        return errors;
    }

    /** wrk's latency percentile in µs, from its --latency distribution. */
    static double latency(String text, String percentile) {
        Matcher m = Pattern.compile("(?m)^\\s*" + percentile + "(?:\\.000)?%\\s+([\\d.]+)(us|ms|s)\\s*$").matcher(text);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v;
            case "ms" -> v * 1e3;
            default -> v * 1e6;
        };
    }

    /** CPU ticks of this process's reaped children (cutime + cstime): the wrk runs. */
    private static long childTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static Run failed(int index, int round, String server, String shape, String why) {
        return new Run(index, round, server, shape, 0, false, why, 0, 0, 0, 0, 0, 0, null, 0, null, null);
    }

    private static Run withDiscarded(Run r) {
        return new Run(r.index(), r.round(), r.server(), r.shape(), r.attempt(), true, r.failure(), r.seconds(),
                r.requests(), r.rps(), r.p50us(), r.p99us(), r.errors(), r.serverCpu(), r.clientTicks(), r.core0(), r.core1());
    }

    // ------------------------------------------------------------------------------------- figures

    double cpuUsPerRequest(Run r) {
        return r.ok() ? r.serverCpu().cpuTicks() * 1e6 / clkTck / r.requests() : Double.NaN;
    }

    double userUsPerRequest(Run r) {
        return r.ok() ? r.serverCpu().userTicks() * 1e6 / clkTck / r.requests() : Double.NaN;
    }

    double kernelUsPerRequest(Run r) {
        return r.ok() ? r.serverCpu().systemTicks() * 1e6 / clkTck / r.requests() : Double.NaN;
    }

    double serverCpuPct(Run r) {
        return r.ok() ? 100.0 * r.serverCpu().cpuTicks() / clkTck / r.seconds() : Double.NaN;
    }

    /** Other processes' share of the two benchmark CPUs during the run, in %; NaN when not pinned. */
    double others(Run r) {
        if (!r.ok() || !pin || r.core0() == null || r.core1() == null) {
            return Double.NaN;
        }
        long others = Math.max(0, r.core0().busyTicks() - r.serverCpu().cpuTicks())
                + Math.max(0, r.core1().busyTicks() - r.clientTicks());
        return 100.0 * others / clkTck / r.seconds() / 2;
    }

    boolean disturbed(Run r) {
        double x = others(r);
        return !Double.isNaN(x) && x > o.maxOthersPct();
    }

    private String progress(Run r) {
        boolean echo = r.shape().equals("echo");
        String head = String.format(Locale.ROOT, "[%d/%d%s] round %d/%d %-16s %-9s ", r.index(), total,
                r.attempt() > 0 ? " retry " + r.attempt() : "", r.round(), o.rounds(), r.server(), r.shape());
        if (!r.ok()) {
            return head + "FAILED: " + r.failure();
        }
        boolean noLatency = r.shape().equals("pipelined");
        return head + String.format(Locale.ROOT, "%,10.0f %s  p50 %s p99 %s  server %5.2f µs/%s (user %.2f) %3.0f %% CPU  others %s%s",
                r.rps(), echo ? "rt/s " : "req/s", us(noLatency ? Double.NaN : r.p50us()), us(noLatency ? Double.NaN : r.p99us()),
                cpuUsPerRequest(r), echo ? "rt " : "req", userUsPerRequest(r), serverCpuPct(r),
                Double.isNaN(others(r)) ? "-" : String.format(Locale.ROOT, "%.0f %%", others(r)),
                r.errors() > 0 ? "  errors " + r.errors() : "");
    }

    private static String us(double v) {
        return Double.isNaN(v) ? "-" : v >= 1000 ? String.format(Locale.ROOT, "%.2f ms", v / 1000)
                : String.format(Locale.ROOT, "%.0f µs", v);
    }

    /** The runs a summary is over: kept, successful, undisturbed; all kept ones if none is undisturbed. */
    List<Run> summaryRuns(List<Run> runs, String server, String shape) {
        List<Run> kept = runs.stream().filter(r -> r.server().equals(server) && r.shape().equals(shape) && r.ok()
                && !r.discarded()).toList();
        List<Run> clean = kept.stream().filter(r -> !disturbed(r)).toList();
        return clean.isEmpty() ? kept : clean;
    }

    private double[] summary(List<Run> runs, String server, String shape, ToDoubleFunction<Run> f) {
        return spread(summaryRuns(runs, server, shape).stream().map(f::applyAsDouble).toList());
    }

    record Metric(String key, String label, String format, ToDoubleFunction<Run> value) {}

    /** The summary columns; for the echo shape a request is a round trip, and the labels say so. */
    private List<Metric> metrics(boolean echo) {
        String per = echo ? "rt" : "req";
        return List.of(
                new Metric("requests_per_s", echo ? "round trips/s" : "req/s", "%,.0f", Run::rps),
                new Metric("p50_us", "p50 µs", "%,.0f", Run::p50us),
                new Metric("p99_us", "p99 µs", "%,.0f", Run::p99us),
                new Metric("server_cpu_us_per_req", "server CPU µs/" + per, "%.2f", this::cpuUsPerRequest),
                new Metric("server_user_us_per_req", "user µs/" + per, "%.2f", this::userUsPerRequest),
                new Metric("server_kernel_us_per_req", "kernel µs/" + per, "%.2f", this::kernelUsPerRequest),
                new Metric("server_cpu_pct", "server CPU %", "%.0f", this::serverCpuPct),
                new Metric("others_pct", "others %", "%.0f", this::others));
    }

    static double[] spread(List<Double> values) {
        return EchoBench.spread(values);
    }

    private static String show(double[] s, String fmt) {
        if (s == null) {
            return "–";
        }
        String m = String.format(Locale.ROOT, fmt, s[0]);
        if (s[1] == s[2]) {
            return m;
        }
        return m + " (" + String.format(Locale.ROOT, fmt, s[1]) + "–" + String.format(Locale.ROOT, fmt, s[2]) + ")";
    }

    /** The HTTP shapes' table, then the echo shape's (its own column names), each followed by a blank line. */
    String summaryTables(List<Run> runs) {
        List<String> http = o.shapes().stream().filter(s -> !s.equals("echo")).toList();
        StringBuilder sb = new StringBuilder();
        if (!http.isEmpty()) {
            sb.append(summaryTable(runs, http, false)).append('\n');
        }
        if (o.shapes().contains("echo")) {
            sb.append(summaryTable(runs, List.of("echo"), true)).append('\n');
        }
        return sb.toString();
    }

    String summaryTable(List<Run> runs, List<String> shapes, boolean echo) {
        List<Metric> metrics = metrics(echo);
        StringBuilder sb = new StringBuilder("| shape | server | runs |");
        for (Metric m : metrics) {
            sb.append(' ').append(m.label()).append(" |");
        }
        sb.append("\n|---|---|---:|");
        sb.append("---:|".repeat(metrics.size())).append('\n');
        for (String shape : shapes) {
            for (String server : o.servers()) {
                sb.append("| ").append(shapeLabel(shape)).append(" | ").append(server).append(" | ");
                if (skipped.containsKey(server)) {
                    sb.append("skipped |").append(" – |".repeat(metrics.size())).append('\n');
                    continue;
                }
                List<Run> mine = summaryRuns(runs, server, shape);
                long clean = mine.stream().filter(r -> !disturbed(r)).count();
                long all = runs.stream().filter(r -> r.server().equals(server) && r.shape().equals(shape) && !r.discarded()).count();
                sb.append(mine.isEmpty() ? "0" : clean == 0 ? mine.size() + " disturbed" : clean + " of " + all).append(" |");
                for (Metric m : metrics) {
                    boolean latency = m.key().startsWith("p5") || m.key().startsWith("p9");
                    double[] s = latency && shape.equals("pipelined") ? null
                            : spread(mine.stream().map(r -> m.value().applyAsDouble(r)).toList());
                    sb.append(' ').append(show(s, m.format())).append(" |");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    static String shapeLabel(String shape) {
        return switch (shape) {
            case "pipelined" -> "plaintext, pipelined 16";
            case "plaintext" -> "plaintext";
            case "echo" -> "echo " + ECHO_PAYLOAD + " B";
            default -> "json";
        };
    }

    /** ringnet servers against each Netty server, ratio of medians: cost (CPU µs/req) and throughput. */
    String ratioTable(List<Run> runs) {
        List<String> ringnet = o.servers().stream().filter(s -> s.startsWith("ringnet")).toList();
        List<String> netty = o.servers().stream().filter(s -> s.startsWith("netty")).toList();
        if (ringnet.isEmpty() || netty.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("| shape | ringnet | vs | CPU µs/req ratio (target ≤ 0.70) | per round | "
                + "req/s ratio (target ≥ 1.00) | per round |\n|---|---|---|---:|---:|---:|---:|\n");
        for (String shape : o.shapes()) {
            for (String r : ringnet) {
                for (String n : netty) {
                    sb.append("| ").append(shapeLabel(shape)).append(" | ").append(r).append(" | ").append(n).append(" | ")
                            .append(ratio(summary(runs, r, shape, this::cpuUsPerRequest), summary(runs, n, shape, this::cpuUsPerRequest)))
                            .append(" | ").append(show(pairedRatio(runs, r, n, shape, this::cpuUsPerRequest), "%.2f"))
                            .append(" | ").append(ratio(summary(runs, r, shape, Run::rps), summary(runs, n, shape, Run::rps)))
                            .append(" | ").append(show(pairedRatio(runs, r, n, shape, Run::rps), "%.2f"))
                            .append(" |\n");
                }
            }
        }
        return sb.toString();
    }

    /**
     * Server {@code a}'s figure over {@code b}'s within each round, where the two ran minutes apart
     * rather than up to an hour: median (min–max) over the rounds that kept a run of both. The
     * machine's speed drifts by up to 2x over a full run; a ratio inside one round cancels most of
     * that drift, which a ratio of medians over all rounds does not.
     */
    double[] pairedRatio(List<Run> runs, String a, String b, String shape, ToDoubleFunction<Run> f) {
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= o.rounds(); round++) {
            Run ra = roundRun(runs, a, shape, round);
            Run rb = roundRun(runs, b, shape, round);
            if (ra != null && rb != null) {
                ratios.add(f.applyAsDouble(ra) / f.applyAsDouble(rb));
            }
        }
        return spread(ratios);
    }

    /** The run of {@code server} kept for the summary in {@code round} (its last attempt), or null. */
    private Run roundRun(List<Run> runs, String server, String shape, int round) {
        List<Run> mine = summaryRuns(runs, server, shape).stream().filter(r -> r.round() == round).toList();
        return mine.isEmpty() ? null : mine.get(mine.size() - 1);
    }

    private static final String PER_ROUND_NOTE = "*Per round*: the ratio between the two servers' runs within each "
            + "round (minutes apart, while the machine's speed drifts by up to 2x over a full run), median (min–max) over "
            + "the rounds; the steadier of the two figures when the runs are noisy.\n\n";

    private static String ratio(double[] a, double[] b) {
        return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2f", a[0] / b[0]);
    }

    /** The C target: ringnet's cheapest backend in each shape against c-epoll, ratio of medians. */
    record CRatio(String shape, String ringnet, double ringnetCpu, double cCpu, double cpuRatio, double rpsRatio,
                  double[] pairedCpuRatio) {}

    List<CRatio> cEpollRatios(List<Run> runs) {
        List<CRatio> list = new ArrayList<>();
        if (!o.servers().contains("c-epoll") || skipped.containsKey("c-epoll")) {
            return list;
        }
        for (String shape : o.shapes()) {
            double[] c = summary(runs, "c-epoll", shape, this::cpuUsPerRequest);
            double[] cr = summary(runs, "c-epoll", shape, Run::rps);
            String best = o.servers().stream().filter(s -> s.startsWith("ringnet"))
                    .filter(s -> summary(runs, s, shape, this::cpuUsPerRequest) != null)
                    .min(Comparator.comparingDouble(s -> summary(runs, s, shape, this::cpuUsPerRequest)[0])).orElse(null);
            if (best == null || c == null) {
                continue;
            }
            double[] r = summary(runs, best, shape, this::cpuUsPerRequest);
            double[] rr = summary(runs, best, shape, Run::rps);
            list.add(new CRatio(shape, best, r[0], c[0], r[0] / c[0], rr == null || cr == null ? Double.NaN : rr[0] / cr[0],
                    pairedRatio(runs, best, "c-epoll", shape, this::cpuUsPerRequest)));
        }
        return list;
    }

    String cEpollRatioTable(List<Run> runs) {
        List<CRatio> ratios = cEpollRatios(runs);
        if (ratios.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("| shape | ringnet (lowest CPU) | ringnet CPU µs/op | c-epoll CPU µs/op "
                + "| CPU ratio ringnet / c-epoll | per round | target | throughput ratio ringnet / c-epoll |\n|---|---|---:|---:|---:|---:|---|---:|\n");
        for (CRatio c : ratios) {
            boolean target = c.shape().equals("pipelined");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %s | %s | %.2f |%n", shapeLabel(c.shape()),
                    c.ringnet(), c.ringnetCpu(), c.cCpu(), c.cpuRatio(), show(c.pairedCpuRatio(), "%.2f"),
                    target ? "≤ 1.50: " + (c.cpuRatio() <= 1.5 ? "met" : "missed") : "(information)", c.rpsRatio()));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------- memory

    private String memoryLine(Memory m) {
        String head = String.format(Locale.ROOT, "[memory] %-16s %,7d idle connections: ", m.server(), m.connections());
        if (m.notMeasurable() != null) {
            return head + m.notMeasurable();
        }
        if (m.failure() != null) {
            return head + "FAILED: " + m.failure();
        }
        return head + (Double.isNaN(m.heapPerConn()) ? "heap –" : String.format(Locale.ROOT, "heap %+,.0f B/conn", m.heapPerConn()))
                + String.format(Locale.ROOT, ", RSS %+,.0f B/conn", m.rssPerConn());
    }

    /**
     * One server's memory pass: a fresh server, {@link #MEMORY_WARMUP_CONNECTIONS} warm-up
     * connections kept open, the baseline, then for each count (ascending) connections added up to
     * it and the figures read. Counts the descriptor limits do not allow come back as not measurable.
     */
    private List<Memory> memory(String server) throws InterruptedException {
        waitForQuiet();
        List<Memory> result = new ArrayList<>();
        String tag = "memory-" + server;
        boolean java = !server.equals("c-epoll");
        Process p = null;
        List<Process> clients = new ArrayList<>();
        int open = 0;
        int next = 0;
        try {
            p = startServer(server, false, tag);
            int port = listeningPort(p);
            if (port < 0) {
                memoryCounts.forEach(n -> result.add(Memory.failed(server, n, "server did not start (see logs/" + tag + "-server.log)")));
                return result;
            }
            long pid = p.pid();
            clients.add(idleClient(tag, clients.size(), port, MEMORY_WARMUP_CONNECTIONS));
            open = MEMORY_WARMUP_CONNECTIONS;
            double heap0 = java ? heapUsedKb(pid) : Double.NaN, rss0 = rssKb(pid);
            FdLimits.Limit limit = FdLimits.read(Long.toString(pid));
            int used = FdLimits.open(pid);
            for (; next < memoryCounts.size(); next++) {
                int n = memoryCounts.get(next);
                String why = fdLimit == null ? null : FdLimits.notMeasurable(n, fdLimit.hard());
                if (why == null && limit != null && used >= 0 && (long) n + used + 64 > limit.soft()) {
                    why = String.format(Locale.ROOT, "not measurable here: the server's RLIMIT_NOFILE is %d (hard %d) "
                            + "and it already uses %d descriptors", limit.soft(), limit.hard(), used);
                }
                if (why != null) {
                    result.add(Memory.notMeasurable(server, n, why));
                    continue;
                }
                int target = n + MEMORY_WARMUP_CONNECTIONS;
                while (open < target) {
                    int k = Math.min(CONNECTIONS_PER_CLIENT, target - open);
                    clients.add(idleClient(tag, clients.size(), port, k));
                    open += k;
                }
                double heap1 = java ? heapUsedKb(pid) : Double.NaN, rss1 = rssKb(pid);
                if (!p.isAlive()) {
                    result.add(Memory.failed(server, n, "server died"));
                    next++;
                    break;
                }
                result.add(new Memory(server, n, heap0, heap1, rss0, rss1, null, null));
            }
        } catch (IOException | RuntimeException e) {
            if (next < memoryCounts.size()) {
                result.add(Memory.failed(server, memoryCounts.get(next++), e.getMessage() != null ? e.getMessage() : e.toString()));
            }
        } finally {
            for (; next < memoryCounts.size(); next++) {
                result.add(Memory.failed(server, memoryCounts.get(next), "not reached: an earlier count failed"));
            }
            if (p != null) {
                stop(p);                                   // the server first: it closes, the clients see it
            }
            for (Process c : clients) {
                closeIdleClient(c);
            }
        }
        return result;
    }

    /**
     * Starts an {@link IdleClientMain} with {@code n} connections from its own source address
     * (127.0.0.2, .3, ...) and waits until they all got their response.
     */
    private Process idleClient(String tag, int index, int port, int n) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaHome.resolve("bin/java").toString(), "-XX:+UseSerialGC", "-Xmx64m",
                "-cp", classPath, IdleClientMain.class.getName(), "--port", Integer.toString(port),
                "--connections", Integer.toString(n), "--source", "127.0.0." + (2 + index)));
        Process c = new ProcessBuilder(cmd).redirectError(o.out().resolve("logs").resolve(tag + "-client" + index + ".log").toFile())
                .start();
        LineReader lines = new LineReader(c.getInputStream(), "idle-client-out");
        String line = lines.next(60_000 + n * 10L);
        if (line == null || !line.equals("connected " + n)) {
            closeIdleClient(c);
            throw new IOException("idle client " + index + " (" + n + " connections): "
                    + (line == null ? "timed out" : line.equals(LineReader.EOF) ? "exited " + c.exitValue() : line));
        }
        return c;
    }

    private static void closeIdleClient(Process c) throws InterruptedException {
        try {
            c.getOutputStream().close();                   // its cue to exit
        } catch (IOException ignored) {
            // gone already
        }
        if (!c.waitFor(10, TimeUnit.SECONDS)) {
            c.destroyForcibly();
            c.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Used heap after a full GC, in KiB, from jcmd GC.run and GC.heap_info. */
    private double heapUsedKb(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        double kb = 0;
        Matcher m = Pattern.compile("(?m)^\\s*(DefNew|Tenured|def new generation|tenured generation|garbage-first heap)\\s+total \\d+K, used (\\d+)K").matcher(info);
        while (m.find()) {
            kb += Long.parseLong(m.group(2));
        }
        return kb;
    }

    private String jcmd(long pid, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(javaHome.resolve("bin/jcmd").toString(), Long.toString(pid), what)
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return text;
    }

    private static double rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Double.parseDouble(line.replaceAll("[^0-9]", ""));
            }
        }
        return Double.NaN;
    }

    // ------------------------------------------------------------------------------------- machine

    private void waitForQuiet() throws InterruptedException {
        ProcCpu.waitForQuiet(o.serverCpu(), o.clientCpu(), o.quietWaitNanos(), clkTck, "bench", out);
    }

    private boolean checkPinning() throws InterruptedException {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (Math.max(o.serverCpu(), o.clientCpu()) >= cpus || o.serverCpu() == o.clientCpu()) {
            notes.add("Not pinned: server CPU and client CPU must be different CPUs below " + cpus + ".");
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
        notes.add("Not pinned: taskset is missing or refused; processes ran where the scheduler put them.");
        return false;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String firstLine(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
            p.waitFor();
            return v.strip();
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("date", ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        env.put("command", o.command());
        env.put("duration", elapsed + " (the runs" + (o.instructions() ? ", the instructions pass (" + instructionsElapsed + ")" : "")
                + " and the memory pass, not the build)");
        env.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        env.put("kernel", readFirst("/proc/sys/kernel/osrelease") + " " + System.getProperty("os.arch"));
        env.put("CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs online");
        env.put("ringnet", gitHead());
        env.put("Netty", io.netty.util.Version.identify().values().stream().filter(v -> v.artifactId().equals("netty-common"))
                .map(v -> v.artifactVersion()).findFirst().orElse("4.2.x"));
        if (o.servers().contains("c-epoll")) {
            env.put("c-epoll", skipped.containsKey("c-epoll") ? "skipped: " + skipped.get("c-epoll")
                    : C_EPOLL_SOURCE + ", " + C_EPOLL_FLAGS + " (" + firstLine("gcc", "--version") + ")");
        }
        env.put("wrk", firstLine(o.wrk(), "-v"));
        env.put("load", "wrk -t1 -c" + o.connections() + (pin ? " pinned to CPU " + o.clientCpu() : " unpinned")
                + String.format(Locale.ROOT, "; %.0f s warm-up + %.0f s measured per shape", o.warmupNanos() / 1e9, o.measureNanos() / 1e9));
        if (o.shapes().contains("echo")) {
            env.put("echo load", "EchoLoadMain (ringnet client, backend auto), " + o.connections() + " connections x "
                    + ECHO_PAYLOAD + " B, one message in flight per connection, " + (pin ? "pinned to CPU " + o.clientCpu() : "unpinned")
                    + ", warm-up and measured period in one process; " + String.join(" ", EchoBench.CHILD_JVM_OPTIONS));
        }
        env.put("servers", "one process each, " + (pin ? "pinned to CPU " + o.serverCpu() : "unpinned") + ", one event loop / worker"
                + " (jdk-vt: one virtual thread per connection, carrier threads = 1 CPU; c-epoll: one thread); JVMs: "
                + String.join(" ", SERVER_JVM_OPTIONS));
        env.put("order", "round 1: " + o.servers() + ", reversed every other round; each server started once per round for"
                + " the HTTP shapes (in turn), then its echo variant for the echo shape");
        env.put("counters", "server CPU time from /proc/PID/stat over the measured period (CLK_TCK " + clkTck
                + "); hardware counters (instructions, cycles) are not available in this VM, so cost is CPU time"
                + (o.instructions() ? "; user-space instructions from callgrind (" + valgrindVersion + ") in a separate pass" : ""));
        if (fdLimit != null) {
            env.put("RLIMIT_NOFILE", "soft " + fdLimit.soft() + ", hard " + fdLimit.hard() + " (the orchestrator's; the servers inherit it)");
        }
        return env;
    }

    static String minutes(long nanos) {
        long s = Math.round(nanos / 1e9);
        return s < 60 ? s + " s" : String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }

    private static String readFirst(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return "?";
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

    private static String gitHead() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String head = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) {
                return "unknown";
            }
            Process s = new ProcessBuilder("git", "status", "--porcelain", "--", "ringnet-core", "ringnet-http")
                    .redirectErrorStream(true).start();
            String dirty = new String(s.getInputStream().readAllBytes()).strip();
            s.waitFor();
            return "commit " + head + (dirty.isEmpty() ? "" : " with uncommitted changes in ringnet-core/ringnet-http");
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    // ------------------------------------------------------------------------------------- output

    private String markdown(List<Run> runs, List<Memory> memory, List<InstructionsPass.Result> instructions) {
        StringBuilder sb = new StringBuilder("# Benchmark: ringnet vs Netty vs JDK virtual threads vs C epoll\n\n");
        Map<String, Object> env = environment();
        for (Map.Entry<String, Object> e : env.entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
        }
        sb.append("\nLoad commands (port varies):\n\n```\n");
        for (String shape : o.shapes()) {
            sb.append(loadCommandLine(shape)).append('\n');
        }
        sb.append("```\n\n## Summary\n\nMedian (min–max) over the undisturbed runs (other processes used at most ")
                .append(String.format(Locale.ROOT, "%.0f", o.maxOthersPct()))
                .append(" % of the two CPUs). Latency is left out for the pipelined shape (wrk times a batch of 16). "
                        + "In the echo table a request is a round trip of " + ECHO_PAYLOAD + " bytes.\n\n")
                .append(summaryTables(runs));
        String cRatios = cEpollRatioTable(runs);
        if (!cRatios.isEmpty()) {
            sb.append("## ringnet against the C epoll server (ratio of medians)\n\nringnet's backend with the lowest "
                    + "server CPU per request (round trip) in each shape, against c-epoll. Issue 5's target: within 1.5x "
                    + "of c-epoll's cost on pipelined plaintext; the other shapes are for information. ")
                    .append(PER_ROUND_NOTE).append(cRatios).append('\n');
        } else if (skipped.containsKey("c-epoll")) {
            sb.append("## ringnet against the C epoll server\n\nNot available: c-epoll skipped: ").append(skipped.get("c-epoll"))
                    .append(".\n\n");
        }
        String ratios = ratioTable(runs);
        if (!ratios.isEmpty()) {
            sb.append("## ringnet against Netty (ratio of medians)\n\n").append(PER_ROUND_NOTE).append(ratios).append('\n');
        }
        if (o.instructions()) {
            sb.append(instructionsMarkdown(instructions));
        }
        sb.append(memoryMarkdown(memory));
        sb.append("Chart: [chart.svg](chart.svg)\n\n## Every run\n\n| # | round | server | shape | status | req/s or rt/s | p50 µs | p99 µs | CPU µs/op | server CPU % | others % | errors |\n|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "| %d%s | %d | %s | %s | %s |", r.index(), r.attempt() > 0 ? "." + r.attempt() : "",
                    r.round(), r.server(), r.shape(), !r.ok() ? "failed: " + r.failure() : r.discarded() ? "discarded"
                            : disturbed(r) ? "disturbed" : "ok"));
            if (r.ok()) {
                boolean batches = r.shape().equals("pipelined"); // wrk times a batch of 16, not a request
                sb.append(String.format(Locale.ROOT, " %,.0f | %s | %s | %.2f | %.0f | %.0f | %d |%n", r.rps(),
                        batches ? "–" : String.format(Locale.ROOT, "%.0f", r.p50us()),
                        batches ? "–" : String.format(Locale.ROOT, "%.0f", r.p99us()),
                        cpuUsPerRequest(r), serverCpuPct(r), others(r), r.errors()));
            } else {
                sb.append(" | | | | | | |\n");
            }
        }
        if (!notes.isEmpty()) {
            sb.append("\nNotes:\n\n");
            notes.forEach(n -> sb.append("- ").append(n).append('\n'));
        }
        return sb.toString();
    }

    /** The instructions pass: what it counts, the table, then every thread's classification. */
    String instructionsMarkdown(List<InstructionsPass.Result> instructions) {
        StringBuilder sb = new StringBuilder("## Instructions per request (callgrind)\n\n");
        sb.append(String.format(Locale.ROOT, "User-space instructions (Ir) counted by callgrind (%s), which simulates the CPU and so "
                + "counts the same whatever else the machine does; **the kernel is not included** (valgrind sees user space "
                + "only): the kernel µs/request of the timed runs above remain the kernel's measure. Each server ran alone under "
                + "callgrind pinned to CPU %d, the load pinned to CPU %d; per shape: %.0f s of uninstrumented warm-up "
                + "(c-epoll: %d s) in load runs of at most %d s, a wait for the server to go idle, instrumentation on, load "
                + "not counted in runs of %d s, at least two, until the JIT compiler threads are quiet (at most %d %% of a CPU "
                + "in the last run; at most %d s: \"settled\" below), counters zeroed, then one measured load run of %.0f s "
                + "(connection set-up and close included), its requests (wrk's count; echo: round trips) dividing the counts. "
                + "Under valgrind the server runs tens of times slower than the load, so it is always saturated: each read "
                + "finds many requests, and per-request costs are those of large batches, also for the shapes that are not "
                + "pipelined.%n%n",
                valgrindVersion, o.serverCpu(), o.clientCpu(), o.instrWarmupNanos() / 1e9,
                Math.min(InstructionsPass.C_WARMUP_MAX_SECONDS, (int) Math.ceil(o.instrWarmupNanos() / 1e9)),
                InstructionsPass.WARMUP_RUN_MAX_SECONDS, InstructionsPass.SETTLE_SECONDS, InstructionsPass.SETTLE_COMPILER_MAX_PCT,
                Math.round(o.instrSettleMaxNanos() / 1e9), o.instrMeasureNanos() / 1e9));
        sb.append(String.format(Locale.ROOT, "Each thread is counted apart (`--separate-threads=yes`) and classified: **request work** "
                + "when at least %.0f %% of its instructions outside the C libraries (libc, ld.so) ran in code: JIT-compiled or "
                + "interpreted Java (callgrind's `???` object), the JDK's and Netty's native libraries, the C server; **JVM "
                + "housekeeping** otherwise: the compiler threads, the VM thread (serial GC, safepoint operations), the service "
                + "threads, which run almost only libjvm.so. Housekeeping per request is mostly JIT compilation still going on "
                + "and garbage collection; it is not steady-state cost, but GC is driven by the requests' allocation.%n%n",
                Callgrind.REQUEST_WORK_MIN_CODE_SHARE * 100));
        sb.append(InstructionsPass.table(instructions, o.servers(), o.instrShapes())).append('\n');
        String threads = InstructionsPass.threadTable(instructions);
        if (instructions.stream().anyMatch(InstructionsPass.Result::measured)) {
            sb.append("<details><summary>Every thread that ran in the measured windows</summary>\n\n"
                    + "Code % (Java code and the servers' native code), libjvm % and C libraries % are shares of the thread's "
                    + "Ir. The dumps are in `callgrind/` (`callgrind_annotate callgrind/NAME.cg.PART-THREAD`).\n\n")
                    .append(threads).append("\n</details>\n\n");
        }
        sb.append("Instructions pass: ").append(instructionsElapsed).append(".\n\n");
        return sb.toString();
    }

    /**
     * The memory table: a row per server, heap and RSS per count. Counts that no server could
     * reach for the same reason (the hard descriptor limit) get a line under the table instead of
     * a column of identical cells.
     */
    String memoryMarkdown(List<Memory> memory) {
        if (memory.isEmpty()) {
            return "Memory per idle connection: not measured in this run (`--memory LIST`).\n\n";
        }
        StringBuilder sb = new StringBuilder("## Memory per idle connection\n\nN connections opened by client processes "
                + "(IdleClientMain, at most " + String.format(Locale.ROOT, "%,d", CONNECTIONS_PER_CLIENT) + " each, from 127.0.0.2, "
                + ".3, …), one `GET /plaintext` each, then idle, to a fresh server already holding "
                + MEMORY_WARMUP_CONNECTIONS + " warm-up connections; counts ascending in the same server. Used heap after a "
                + "full GC (jcmd GC.run, GC.heap_info; Java servers only: c-epoll has no heap, \"–\") and RSS "
                + "(/proc/PID/status), before and after, difference / N. Kernel socket memory is in neither figure.\n\n");
        List<Integer> columns = new ArrayList<>();
        Map<Integer, String> unreachable = new LinkedHashMap<>();
        for (int n : memoryCounts) {
            List<Memory> at = memory.stream().filter(m -> m.connections() == n && !skipped.containsKey(m.server())).toList();
            String reason = at.isEmpty() ? null : at.getFirst().notMeasurable();
            boolean same = reason != null && reason.startsWith("not measurable here: hard")
                    && at.stream().allMatch(m -> reason.equals(m.notMeasurable()));
            if (same) {
                unreachable.put(n, reason);
            } else {
                columns.add(n);
            }
        }
        if (!columns.isEmpty()) {
            sb.append("| server |");
            for (int n : columns) {
                sb.append(String.format(Locale.ROOT, " heap B/conn @ %,d | RSS B/conn @ %,d |", n, n));
            }
            sb.append("\n|---|").append("---:|---:|".repeat(columns.size())).append('\n');
            for (String server : o.servers()) {
                sb.append("| ").append(server).append(" |");
                for (int n : columns) {
                    Memory m = memory.stream().filter(x -> x.server().equals(server) && x.connections() == n).findFirst().orElse(null);
                    if (m == null) {
                        sb.append(" | |");
                    } else if (!m.measured()) {
                        sb.append(' ').append(m.notMeasurable() != null ? m.notMeasurable() : "failed: " + m.failure()).append(" | |");
                    } else {
                        sb.append(Double.isNaN(m.heapPerConn()) ? " – |" : String.format(Locale.ROOT, " %,.0f |", m.heapPerConn()))
                                .append(String.format(Locale.ROOT, " %,.0f |", m.rssPerConn()));
                    }
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        unreachable.forEach((n, why) -> sb.append(String.format(Locale.ROOT, "%,d idle connections: %s.%n", n, why)));
        if (!unreachable.isEmpty()) {
            sb.append('\n');
        }
        return sb.toString();
    }

    private Map<String, Object> json(List<Run> runs, List<Memory> memory, List<InstructionsPass.Result> instructions) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "http+echo");
        root.putAll(environment());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("rounds", o.rounds());
        config.put("servers", o.servers());
        config.put("shapes", o.shapes());
        config.put("connections", o.connections());
        config.put("echo_payload_bytes", ECHO_PAYLOAD);
        config.put("warmup_s", o.warmupNanos() / 1e9);
        config.put("measure_s", o.measureNanos() / 1e9);
        config.put("pinned", pin);
        config.put("server_cpu", o.serverCpu());
        config.put("client_cpu", o.clientCpu());
        config.put("max_others_pct", o.maxOthersPct());
        config.put("retries", o.retries());
        config.put("memory_counts", memoryCounts);
        if (fdLimit != null) {
            Map<String, Object> limit = new LinkedHashMap<>();
            limit.put("soft", fdLimit.soft());
            limit.put("hard", fdLimit.hard());
            config.put("rlimit_nofile", limit);
        }
        Map<String, Object> cmds = new LinkedHashMap<>();
        o.shapes().forEach(s -> cmds.put(s, loadCommandLine(s)));
        config.put("load_commands", cmds);
        config.put("note", "for the echo shape, requests are round trips and client_ticks are EchoLoadMain's; "
                + "for the HTTP shapes, client_ticks are wrk's");
        root.put("config", config);
        root.put("skipped", skipped);
        root.put("notes", notes);
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String shape : o.shapes()) {
            Map<String, Object> perShape = new LinkedHashMap<>();
            for (String server : o.servers()) {
                Map<String, Object> per = new LinkedHashMap<>();
                if (skipped.containsKey(server)) {
                    per.put("skipped", skipped.get(server));
                    perShape.put(server, per);
                    continue;
                }
                List<Run> mine = summaryRuns(runs, server, shape);
                per.put("runs", mine.size());
                per.put("undisturbed", mine.stream().filter(r -> !disturbed(r)).count());
                for (Metric m : metrics(shape.equals("echo"))) {
                    double[] s = spread(mine.stream().map(r -> m.value().applyAsDouble(r)).toList());
                    if (s != null) {
                        per.put(m.key(), Map.of("median", s[0], "min", s[1], "max", s[2]));
                    }
                }
                perShape.put(server, per);
            }
            summary.put(shape, perShape);
        }
        root.put("summary", summary);
        List<Object> cr = new ArrayList<>();
        for (CRatio c : cEpollRatios(runs)) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("shape", c.shape());
            j.put("ringnet", c.ringnet());
            j.put("ringnet_cpu_us_per_op", c.ringnetCpu());
            j.put("c_epoll_cpu_us_per_op", c.cCpu());
            j.put("cpu_ratio", c.cpuRatio());
            j.put("throughput_ratio", c.rpsRatio());
            if (c.pairedCpuRatio() != null) {
                j.put("cpu_ratio_per_round_median", c.pairedCpuRatio()[0]);
                j.put("cpu_ratio_per_round_min", c.pairedCpuRatio()[1]);
                j.put("cpu_ratio_per_round_max", c.pairedCpuRatio()[2]);
            }
            if (c.shape().equals("pipelined")) {
                j.put("target_cpu_ratio_max", 1.5);
                j.put("target_met", c.cpuRatio() <= 1.5);
            }
            cr.add(j);
        }
        root.put("ringnet_vs_c_epoll", cr);
        List<Object> mem = new ArrayList<>();
        for (Memory m : memory) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("server", m.server());
            j.put("connections", m.connections());
            if (m.notMeasurable() != null) {
                j.put("not_measurable", m.notMeasurable());
            } else if (m.failure() != null) {
                j.put("failure", m.failure());
            } else {
                j.put("heap_used_kb_before", m.heapBeforeKb());
                j.put("heap_used_kb_after", m.heapAfterKb());
                j.put("rss_kb_before", m.rssBeforeKb());
                j.put("rss_kb_after", m.rssAfterKb());
                j.put("heap_bytes_per_conn", m.heapPerConn());
                j.put("rss_bytes_per_conn", m.rssPerConn());
            }
            mem.add(j);
        }
        root.put("memory_per_idle_connection", mem);
        if (o.instructions()) {
            Map<String, Object> ins = new LinkedHashMap<>();
            ins.put("tool", valgrindVersion + " callgrind " + String.join(" ", InstructionsPass.CALLGRIND_OPTIONS));
            ins.put("counts", "user-space instructions (Ir) only; kernel not included");
            ins.put("shapes", o.instrShapes());
            ins.put("warmup_s", o.instrWarmupNanos() / 1e9);
            ins.put("c_epoll_warmup_s", Math.min(InstructionsPass.C_WARMUP_MAX_SECONDS, o.instrWarmupNanos() / 1e9));
            ins.put("settle", "instrumented load runs of " + InstructionsPass.SETTLE_SECONDS + " s, at least 2, until the JIT compiler "
                    + "threads used at most " + InstructionsPass.SETTLE_COMPILER_MAX_PCT + " % of a CPU in the last one; at most "
                    + Math.round(o.instrSettleMaxNanos() / 1e9) + " s");
            ins.put("measure_s", o.instrMeasureNanos() / 1e9);
            ins.put("request_work_min_code_share", Callgrind.REQUEST_WORK_MIN_CODE_SHARE);
            ins.put("duration", instructionsElapsed);
            ins.put("results", InstructionsPass.json(instructions));
            root.put("instructions", ins);
        }
        List<Object> list = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("index", r.index());
            j.put("round", r.round());
            j.put("server", r.server());
            j.put("shape", r.shape());
            j.put("attempt", r.attempt());
            j.put("discarded", r.discarded());
            if (!r.ok()) {
                j.put("failure", r.failure());
            } else {
                j.put("disturbed", disturbed(r));
                j.put("window_s", r.seconds());
                j.put("requests", r.requests());
                j.put("errors", r.errors());
                for (Metric m : metrics(r.shape().equals("echo"))) {
                    j.put(m.key(), m.value().applyAsDouble(r));
                }
                j.put("server_utime_ticks", r.serverCpu().userTicks());
                j.put("server_stime_ticks", r.serverCpu().systemTicks());
                j.put("client_ticks", r.clientTicks());
            }
            list.add(j);
        }
        root.put("runs", list);
        return root;
    }

    String svg(List<Run> runs) {
        return BenchChart.svg("Median of undisturbed runs (whiskers: min–max); " + o.connections()
                        + " connections; server on one CPU, load on another", o.servers(), o.shapes(), skipped,
                new BenchChart.Source() {
                    @Override
                    public double[] throughput(String server, String shape) {
                        return summary(runs, server, shape, Run::rps);
                    }

                    @Override
                    public double[] cpuPerOp(String server, String shape) {
                        return summary(runs, server, shape, HttpBench.this::cpuUsPerRequest);
                    }

                    @Override
                    public boolean allDisturbed(String server, String shape) {
                        return summaryRuns(runs, server, shape).stream().allMatch(HttpBench.this::disturbed);
                    }
                });
    }
}
