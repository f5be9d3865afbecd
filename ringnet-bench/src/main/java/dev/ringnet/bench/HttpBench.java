package dev.ringnet.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
 * The HTTP comparison benchmark ({@code bin/bench}): ringnet's HTTP server against Netty 4.2 and
 * a JDK virtual-thread server, TechEmpower style, driven by {@code wrk}.
 *
 * <p>For each round, each server (the order reversed every other round) is started pinned to one
 * CPU with one loop/worker; for each shape a {@code wrk -t1} pinned to another CPU warms it up,
 * then a second {@code wrk} measures. Over exactly the measured {@code wrk}'s lifetime the
 * orchestrator reads the server's CPU time ({@code /proc/PID/stat}), wrk's (its own children's
 * time in {@code /proc/self/stat}) and both CPUs' busy time ({@code /proc/stat}): what other
 * processes used of the two CPUs marks a run <em>disturbed</em> (repeated, and left out of the
 * summary). Optionally, at the end, memory per idle connection: N connections opened to a fresh
 * server, one request each, then idle; heap (after a full GC) and RSS before and after.
 */
public final class HttpBench {
    static final List<String> SERVER_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms256m", "-Xmx256m",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    static final List<String> ALL_SERVERS = List.of("ringnet-io_uring", "ringnet-epoll", "ringnet-nio",
            "netty-io_uring", "netty-epoll", "netty-nio", "jdk-vt");
    static final List<String> DEFAULT_SERVERS = List.of("ringnet-io_uring", "ringnet-epoll", "netty-io_uring",
            "netty-epoll", "netty-nio", "jdk-vt");
    static final List<String> ALL_SHAPES = List.of("pipelined", "plaintext", "json");

    private static final String USAGE = """
            usage: bin/bench [options]
              --quick             1 round, 1 s warm-up + 2 s measured per shape, no retries, no memory pass (< 3 min)
              --rounds R          rounds, servers interleaved (default 3)
              --servers LIST      of %s (default %s)
              --shapes LIST       of pipelined (plaintext, wrk pipeline.lua depth 16), plaintext, json (default all)
              --connections C     wrk connections (default 256)
              --warmup S          warm-up seconds per shape (default 3)
              --measure S         measured seconds per shape (default 5)
              --memory N          idle connections for the memory pass (default 10000; 0 = skip)
              --max-others P      a run is disturbed when other processes used more than P %% of the two CPUs (default 5)
              --retries N         repeats of a disturbed run (default 1)
              --quiet-wait S      before each server, wait up to S s for the two CPUs to be idle (default 20)
              --server-cpu N, --client-cpu N   (default 0 and 1)
              --out DIR           results directory (default bench-results/<date>)
            """.formatted(String.join(",", ALL_SERVERS), String.join(",", DEFAULT_SERVERS));

    record Options(int rounds, List<String> servers, List<String> shapes, int connections, long warmupNanos,
                   long measureNanos, int memoryConnections, double maxOthersPct, int retries, long quietWaitNanos,
                   int serverCpu, int clientCpu, Path out, String command, Path script, String wrk) {}

    /** One measured wrk run. */
    record Run(int index, int round, String server, String shape, int attempt, boolean discarded, String failure,
               double seconds, long requests, double rps, double p50us, double p99us, long errors,
               ProcCpu.Sample serverCpu, long wrkTicks, ProcCpu.CpuSample core0, ProcCpu.CpuSample core1) {
        boolean ok() {
            return failure == null;
        }
    }

    record Memory(String server, int connections, double heapBeforeKb, double heapAfterKb, double rssBeforeKb,
                  double rssAfterKb, String failure) {
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
    private boolean pin;
    private int total;

    private HttpBench(Options o, PrintStream out) {
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
                "--command", "--script", "--wrk"), Set.of("--quick", "--help", "-h"));
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
        return new Options(a.integer("--rounds", quick ? 1 : 3, 1), servers, shapes, a.integer("--connections", 256, 1),
                a.seconds("--warmup", quick ? 1 : 3, 0), a.seconds("--measure", quick ? 2 : 5, 0.5),
                a.integer("--memory", quick ? 0 : 10_000, 0), maxOthers, a.integer("--retries", quick ? 0 : 1, 0),
                a.seconds("--quiet-wait", quick ? 3 : 20, 0), a.integer("--server-cpu", 0, 0),
                a.integer("--client-cpu", 1, 0),
                Path.of(a.string("--out", "bench-results/" + LocalDate.now())),
                a.string("--command", "HttpBench " + String.join(" ", argv)),
                Path.of(a.string("--script", "scripts/pipeline.lua")), a.string("--wrk", "wrk"));
    }

    int run() throws Exception {
        Files.createDirectories(o.out().resolve("logs"));
        pin = checkPinning();
        if (!Files.isReadable(o.script())) {
            out.println("bench: " + o.script() + " not found; run from the repository root");
            return 2;
        }
        total = o.rounds() * o.servers().size() * o.shapes().size();
        List<Run> runs = new ArrayList<>();
        int index = 0;
        for (int round = 1; round <= o.rounds(); round++) {
            List<String> order = new ArrayList<>(o.servers());
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (String server : order) {
                index = runServer(runs, index, round, server);
            }
        }
        List<Memory> memory = new ArrayList<>();
        if (o.memoryConnections() > 0) {
            for (String server : o.servers()) {
                Memory m = memory(server);
                memory.add(m);
                out.println(m.failure() != null ? "[memory] " + server + ": failed: " + m.failure()
                        : String.format(Locale.ROOT, "[memory] %-16s %d idle connections: heap %+.0f B/conn, RSS %+.0f B/conn",
                        server, m.connections(), m.heapPerConn(), m.rssPerConn()));
            }
        }
        String table = summaryTable(runs);
        out.println();
        out.print(table);
        String md = markdown(runs, memory);
        Files.writeString(o.out().resolve("report.md"), md);
        Files.writeString(o.out().resolve("results.json"), Json.write(json(runs, memory)) + "\n");
        Files.writeString(o.out().resolve("chart.svg"), svg(runs));
        for (String n : notes) {
            out.println("note: " + n);
        }
        out.println("wrote " + o.out().resolve("report.md") + ", results.json and chart.svg");
        return runs.stream().filter(r -> !r.discarded()).allMatch(Run::ok) ? 0 : 1;
    }

    // ---------------------------------------------------------------------------------------------- runs

    private int runServer(List<Run> runs, int index, int round, String server) throws InterruptedException {
        waitForQuiet();
        String tag = String.format(Locale.ROOT, "round%d-%s", round, server);
        Process p = null;
        try {
            p = startServer(server, tag);
            int port = listeningPort(p);
            if (port < 0) {
                for (String shape : o.shapes()) {
                    Run r = failed(++index, round, server, shape, "server did not start (see logs/" + tag + "-server.log)");
                    runs.add(r);
                    out.println(progress(r));
                }
                return index;
            }
            for (String shape : o.shapes()) {
                index++;
                for (int attempt = 0; ; attempt++) {
                    Run r = measure(index, round, server, shape, attempt, p.pid(), port);
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
            for (String shape : o.shapes()) {
                runs.add(failed(++index, round, server, shape, e.toString()));
            }
        } finally {
            if (p != null) {
                stop(p);
            }
        }
        return index;
    }

    private Process startServer(String server, String tag) throws IOException {
        String kind = server.substring(0, server.indexOf('-') < 0 ? server.length() : server.indexOf('-'));
        String transport = server.contains("-") ? server.substring(server.indexOf('-') + 1) : "";
        String main = switch (kind) {
            case "ringnet" -> RingnetHttpMain.class.getName();
            case "netty" -> NettyHttpMain.class.getName();
            default -> VirtualThreadHttpMain.class.getName();
        };
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(o.serverCpu())));
        }
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.addAll(SERVER_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath, main, "--port", "0"));
        if (kind.equals("ringnet") || kind.equals("netty")) {
            cmd.addAll(List.of("--transport", transport));
        }
        return new ProcessBuilder(cmd).redirectError(o.out().resolve("logs").resolve(tag + "-server.log").toFile()).start();
    }

    private static int listeningPort(Process p) throws InterruptedException {
        LineReader lines = new LineReader(p.getInputStream(), "server-out");
        String ready = lines.next(30_000);
        if (ready == null || !ready.startsWith("listening on ")) {
            return -1;
        }
        return Integer.parseInt(ready.replaceFirst("^listening on \\S*:(\\d+) .*$", "$1"));
    }

    private List<String> wrkCommand(String shape, int port, long nanos, boolean latency) {
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

    /** The shell form of the measured wrk command, for the report. */
    String wrkCommandLine(String shape) {
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
        Files.writeString(o.out().resolve("logs").resolve(String.format(Locale.ROOT, "run-%02d%s-%s-%s-wrk.txt", index,
                attempt > 0 ? "." + attempt : "", server, shape)), text);
        if (exit != 0 || s0 == null || s1 == null) {
            return failed(index, round, server, shape, "wrk exit " + exit + (s1 == null ? ", server gone" : ""));
        }
        Matcher req = Pattern.compile("(\\d+) requests in ([\\d.]+)(\\w+)").matcher(text);
        Matcher rps = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(text);
        if (!req.find() || !rps.find()) {
            return failed(index, round, server, shape, "no wrk result: " + text.strip().replace('\n', ' '));
        }
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
        long requests = Long.parseLong(req.group(1));
        Run r = new Run(index, round, server, shape, attempt, false, null, (t1 - t0) / 1e9, requests,
                Double.parseDouble(rps.group(1)), latency(text, "50"), latency(text, "99"), errors,
                s1.minus(s0), children1 - children0,
                k0 == null || k1 == null ? null : k1.minus(k0), q0 == null || q1 == null ? null : q1.minus(q0));
        if (requests == 0) {
            return failed(index, round, server, shape, "no requests completed");
        }
        return r;
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
                r.requests(), r.rps(), r.p50us(), r.p99us(), r.errors(), r.serverCpu(), r.wrkTicks(), r.core0(), r.core1());
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
                + Math.max(0, r.core1().busyTicks() - r.wrkTicks());
        return 100.0 * others / clkTck / r.seconds() / 2;
    }

    boolean disturbed(Run r) {
        double x = others(r);
        return !Double.isNaN(x) && x > o.maxOthersPct();
    }

    private String progress(Run r) {
        String head = String.format(Locale.ROOT, "[%d/%d%s] round %d/%d %-16s %-9s ", r.index(), total,
                r.attempt() > 0 ? " retry " + r.attempt() : "", r.round(), o.rounds(), r.server(), r.shape());
        if (!r.ok()) {
            return head + "FAILED: " + r.failure();
        }
        return head + String.format(Locale.ROOT, "%,10.0f req/s  p50 %s p99 %s  server %5.2f µs/req (user %.2f) %3.0f %% CPU  others %s%s",
                r.rps(), us(r.shape().equals("pipelined") ? Double.NaN : r.p50us()), us(r.shape().equals("pipelined") ? Double.NaN : r.p99us()), cpuUsPerRequest(r), userUsPerRequest(r), serverCpuPct(r),
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

    record Metric(String key, String label, String format, ToDoubleFunction<Run> value) {}

    private List<Metric> metrics() {
        return List.of(
                new Metric("requests_per_s", "req/s", "%,.0f", Run::rps),
                new Metric("p50_us", "p50 µs", "%,.0f", Run::p50us),
                new Metric("p99_us", "p99 µs", "%,.0f", Run::p99us),
                new Metric("server_cpu_us_per_req", "server CPU µs/req", "%.2f", this::cpuUsPerRequest),
                new Metric("server_user_us_per_req", "user µs/req", "%.2f", this::userUsPerRequest),
                new Metric("server_kernel_us_per_req", "kernel µs/req", "%.2f", this::kernelUsPerRequest),
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

    String summaryTable(List<Run> runs) {
        List<Metric> metrics = metrics();
        StringBuilder sb = new StringBuilder("| shape | server | runs |");
        for (Metric m : metrics) {
            sb.append(' ').append(m.label()).append(" |");
        }
        sb.append("\n|---|---|---:|");
        sb.append("---:|".repeat(metrics.size())).append('\n');
        for (String shape : o.shapes()) {
            for (String server : o.servers()) {
                List<Run> mine = summaryRuns(runs, server, shape);
                long clean = mine.stream().filter(r -> !disturbed(r)).count();
                long all = runs.stream().filter(r -> r.server().equals(server) && r.shape().equals(shape) && !r.discarded()).count();
                sb.append("| ").append(shapeLabel(shape)).append(" | ").append(server).append(" | ")
                        .append(mine.isEmpty() ? "0" : clean == 0 ? mine.size() + " disturbed" : clean + " of " + all).append(" |");
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
        StringBuilder sb = new StringBuilder("| shape | ringnet | vs | CPU µs/req ratio (target ≤ 0.70) | req/s ratio (target ≥ 1.00) |\n|---|---|---|---:|---:|\n");
        for (String shape : o.shapes()) {
            for (String r : ringnet) {
                for (String n : netty) {
                    double[] rc = spread(summaryRuns(runs, r, shape).stream().map(this::cpuUsPerRequest).toList());
                    double[] nc = spread(summaryRuns(runs, n, shape).stream().map(this::cpuUsPerRequest).toList());
                    double[] rr = spread(summaryRuns(runs, r, shape).stream().map(Run::rps).toList());
                    double[] nr = spread(summaryRuns(runs, n, shape).stream().map(Run::rps).toList());
                    sb.append("| ").append(shapeLabel(shape)).append(" | ").append(r).append(" | ").append(n).append(" | ")
                            .append(rc == null || nc == null ? "–" : String.format(Locale.ROOT, "%.2f", rc[0] / nc[0])).append(" | ")
                            .append(rr == null || nr == null ? "–" : String.format(Locale.ROOT, "%.2f", rr[0] / nr[0])).append(" |\n");
                }
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------- memory

    private Memory memory(String server) throws InterruptedException {
        waitForQuiet();
        String tag = "memory-" + server;
        Process p = null;
        List<SocketChannel> conns = new ArrayList<>();
        try {
            p = startServer(server, tag);
            int port = listeningPort(p);
            if (port < 0) {
                return new Memory(server, 0, 0, 0, 0, 0, "server did not start");
            }
            // warm the server's code paths a little, so the difference is the connections, not class loading
            openIdle(conns, port, 100);
            closeAll(conns);
            Thread.sleep(300);
            long pid = p.pid();
            double heap0 = heapUsedKb(pid), rss0 = rssKb(pid);
            openIdle(conns, port, o.memoryConnections());
            Thread.sleep(1000);
            double heap1 = heapUsedKb(pid), rss1 = rssKb(pid);
            if (!p.isAlive()) {
                return new Memory(server, conns.size(), heap0, heap1, rss0, rss1, "server died");
            }
            return new Memory(server, conns.size(), heap0, heap1, rss0, rss1, null);
        } catch (IOException | RuntimeException e) {
            return new Memory(server, conns.size(), 0, 0, 0, 0, e.toString());
        } finally {
            closeAll(conns);
            if (p != null) {
                stop(p);
            }
        }
    }

    /** Opens n connections from 127.0.0.2, .3, ... (20,000 per address), one request each, then idle. */
    private static void openIdle(List<SocketChannel> conns, int port, int n) throws IOException {
        byte[] req = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer in = ByteBuffer.allocate(4096);
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
        for (int i = 0; i < n; i++) {
            SocketChannel c = SocketChannel.open();
            conns.add(c);
            c.bind(new InetSocketAddress("127.0.0." + (2 + i / 20_000), 0));
            c.connect(target);
            c.write(ByteBuffer.wrap(req));
            in.clear();
            int got = 0;
            while (got == 0 || !endsWithBody(in)) {
                int k = c.read(in);
                if (k < 0) {
                    throw new IOException("server closed connection " + i);
                }
                got += k;
            }
        }
    }

    private static boolean endsWithBody(ByteBuffer in) {
        String s = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
        return s.endsWith("Hello, World!");
    }

    private static void closeAll(List<SocketChannel> conns) {
        for (SocketChannel c : conns) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        conns.clear();
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

    private String wrkVersion() {
        try {
            Process p = new ProcessBuilder(o.wrk(), "-v").redirectErrorStream(true).start();
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
        env.put("JDK", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        env.put("kernel", readFirst("/proc/sys/kernel/osrelease") + " " + System.getProperty("os.arch"));
        env.put("CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs online");
        env.put("ringnet", gitHead());
        env.put("Netty", io.netty.util.Version.identify().values().stream().filter(v -> v.artifactId().equals("netty-common"))
                .map(v -> v.artifactVersion()).findFirst().orElse("4.2.x"));
        env.put("wrk", wrkVersion());
        env.put("load", "wrk -t1 -c" + o.connections() + (pin ? " pinned to CPU " + o.clientCpu() : " unpinned")
                + String.format(Locale.ROOT, "; %.0f s warm-up + %.0f s measured per shape", o.warmupNanos() / 1e9, o.measureNanos() / 1e9));
        env.put("servers", "one JVM each, " + (pin ? "pinned to CPU " + o.serverCpu() : "unpinned") + ", one event loop / worker"
                + " (jdk-vt: one virtual thread per connection, carrier threads = 1 CPU); " + String.join(" ", SERVER_JVM_OPTIONS));
        env.put("order", "round 1: " + o.servers() + ", reversed every other round; each server started once per round, shapes in turn");
        env.put("counters", "server CPU time from /proc/PID/stat over the measured wrk's lifetime (CLK_TCK " + clkTck
                + "); hardware counters (instructions, cycles) are not available in this VM, so cost is CPU time");
        return env;
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

    private String markdown(List<Run> runs, List<Memory> memory) {
        StringBuilder sb = new StringBuilder("# HTTP benchmark: ringnet vs Netty vs JDK virtual threads\n\n");
        Map<String, Object> env = environment();
        for (Map.Entry<String, Object> e : env.entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
        }
        sb.append("\nwrk commands (port varies):\n\n```\n");
        for (String shape : o.shapes()) {
            sb.append(wrkCommandLine(shape)).append('\n');
        }
        sb.append("```\n\n## Summary\n\nMedian (min–max) over the undisturbed runs (other processes used at most ")
                .append(String.format(Locale.ROOT, "%.0f", o.maxOthersPct()))
                .append(" % of the two CPUs). Latency is left out for the pipelined shape (wrk times a batch of 16).\n\n")
                .append(summaryTable(runs)).append('\n');
        String ratios = ratioTable(runs);
        if (!ratios.isEmpty()) {
            sb.append("## ringnet against Netty (ratio of medians)\n\n").append(ratios).append('\n');
        }
        if (!memory.isEmpty()) {
            sb.append("## Memory per idle connection\n\nN connections from 127.0.0.2+, one request each, then idle; heap used after a full GC "
                    + "(jcmd GC.run) and RSS, before and after, difference / N.\n\n| server | connections | heap B/conn | RSS B/conn |\n|---|---:|---:|---:|\n");
            for (Memory m : memory) {
                sb.append("| ").append(m.server()).append(" | ").append(m.failure() != null ? "failed: " + m.failure() + " | | |\n"
                        : String.format(Locale.ROOT, "%d | %.0f | %.0f |%n", m.connections(), m.heapPerConn(), m.rssPerConn()));
            }
            sb.append('\n');
        } else {
            sb.append("Memory per idle connection: not measured in this run (`--memory N`).\n\n");
        }
        sb.append("Chart: [chart.svg](chart.svg)\n\n## Every run\n\n| # | round | server | shape | status | req/s | p50 µs | p99 µs | CPU µs/req | server CPU % | others % | errors |\n|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "| %d%s | %d | %s | %s | %s |", r.index(), r.attempt() > 0 ? "." + r.attempt() : "",
                    r.round(), r.server(), r.shape(), !r.ok() ? "failed: " + r.failure() : r.discarded() ? "discarded"
                            : disturbed(r) ? "disturbed" : "ok"));
            if (r.ok()) {
                sb.append(String.format(Locale.ROOT, " %,.0f | %.0f | %.0f | %.2f | %.0f | %.0f | %d |%n", r.rps(), r.p50us(), r.p99us(),
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

    private Map<String, Object> json(List<Run> runs, List<Memory> memory) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "http");
        root.putAll(environment());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("rounds", o.rounds());
        config.put("servers", o.servers());
        config.put("shapes", o.shapes());
        config.put("connections", o.connections());
        config.put("warmup_s", o.warmupNanos() / 1e9);
        config.put("measure_s", o.measureNanos() / 1e9);
        config.put("pinned", pin);
        config.put("server_cpu", o.serverCpu());
        config.put("client_cpu", o.clientCpu());
        config.put("max_others_pct", o.maxOthersPct());
        config.put("retries", o.retries());
        config.put("memory_connections", o.memoryConnections());
        Map<String, Object> cmds = new LinkedHashMap<>();
        o.shapes().forEach(s -> cmds.put(s, wrkCommandLine(s)));
        config.put("wrk_commands", cmds);
        root.put("config", config);
        root.put("notes", notes);
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String shape : o.shapes()) {
            Map<String, Object> perShape = new LinkedHashMap<>();
            for (String server : o.servers()) {
                List<Run> mine = summaryRuns(runs, server, shape);
                Map<String, Object> per = new LinkedHashMap<>();
                per.put("runs", mine.size());
                per.put("undisturbed", mine.stream().filter(r -> !disturbed(r)).count());
                for (Metric m : metrics()) {
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
        List<Object> mem = new ArrayList<>();
        for (Memory m : memory) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("server", m.server());
            j.put("connections", m.connections());
            if (m.failure() != null) {
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
                for (Metric m : metrics()) {
                    j.put(m.key(), m.value().applyAsDouble(r));
                }
                j.put("server_utime_ticks", r.serverCpu().userTicks());
                j.put("server_stime_ticks", r.serverCpu().systemTicks());
                j.put("wrk_ticks", r.wrkTicks());
            }
            list.add(j);
        }
        root.put("runs", list);
        return root;
    }

    private static final String[] COLORS = {"#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#17becf", "#2ca02c", "#8c564b"};

    /** Two panels of grouped bars (req/s and server CPU µs/request), a group per shape, a bar per server. */
    String svg(List<Run> runs) {
        int groupW = 40 + 50 * o.servers().size();
        int panelW = 90 + groupW * o.shapes().size();
        int panelH = 260;
        int width = panelW + 40;
        int height = 2 * (panelH + 60) + 60 + 22 * ((o.servers().size() + 2) / 3);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"13\" text-anchor=\"middle\">%s</text>%n", width / 2,
                esc("HTTP, " + o.connections() + " connections, server on 1 CPU, wrk -t1 on another; median of undisturbed runs, "
                        + "whiskers min–max")));
        panel(sb, runs, 20, 40, panelW, panelH, "requests/s (higher is better)", Run::rps, "%,.0f");
        panel(sb, runs, 20, 40 + panelH + 60, panelW, panelH, "server CPU µs per request (lower is better)",
                this::cpuUsPerRequest, "%.2f");
        int ly = 40 + 2 * (panelH + 60) + 30;
        for (int i = 0; i < o.servers().size(); i++) {
            int x = 40 + (i % 3) * 220, y = ly + (i / 3) * 22;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, y - 11, color(i), x + 20, y, esc(o.servers().get(i))));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    private void panel(StringBuilder sb, List<Run> runs, int x0, int y0, int w, int h, String title,
                       ToDoubleFunction<Run> f, String fmt) {
        double max = 0;
        double[][][] s = new double[o.shapes().size()][o.servers().size()][];
        for (int g = 0; g < o.shapes().size(); g++) {
            for (int b = 0; b < o.servers().size(); b++) {
                s[g][b] = spread(summaryRuns(runs, o.servers().get(b), o.shapes().get(g)).stream()
                        .map(f::applyAsDouble).toList());
                if (s[g][b] != null) {
                    max = Math.max(max, s[g][b][2]);
                }
            }
        }
        max = max <= 0 ? 1 : max * 1.12;  // room for the value labels
        int left = x0 + 70, top = y0 + 30, plotH = h - 30, plotW = w - 80;
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">%s</text>%n",
                left + plotW / 2, y0 + 14, esc(title)));
        for (int t = 0; t <= 4; t++) {
            double v = max * t / 4;
            int y = top + plotH - (int) Math.round(plotH * t / 4.0);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left, y, left + plotW, y, left - 4, y + 4,
                    esc(String.format(Locale.ROOT, fmt, v))));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, top + plotH, left + plotW, top + plotH));
        int groupW = plotW / o.shapes().size();
        int barW = Math.max(6, (groupW - 20) / o.servers().size());
        for (int g = 0; g < o.shapes().size(); g++) {
            int gx = left + g * groupW + 10;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    gx + barW * o.servers().size() / 2, top + plotH + 16, esc(shapeLabel(o.shapes().get(g)))));
            for (int b = 0; b < o.servers().size(); b++) {
                double[] v = s[g][b];
                int bx = gx + b * barW;
                if (v == null) {
                    continue;
                }
                int bh = (int) Math.round(plotH * v[0] / max);
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                        + "<title>%s</title></rect>%n", bx, top + plotH - bh, barW - 2, bh, color(b),
                        esc(o.servers().get(b) + ", " + shapeLabel(o.shapes().get(g)) + ": " + String.format(Locale.ROOT, fmt, v[0])
                                + " (" + String.format(Locale.ROOT, fmt, v[1]) + "–" + String.format(Locale.ROOT, fmt, v[2]) + ")")));
                int ylo = top + plotH - (int) Math.round(plotH * v[1] / max);
                int yhi = top + plotH - (int) Math.round(plotH * v[2] / max);
                int cx = bx + (barW - 2) / 2;
                sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                        cx, ylo, cx, yhi));
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%s</text>%n",
                        cx, Math.min(yhi, top + plotH - bh) - 3, esc(String.format(Locale.ROOT, fmt, v[0]))));
            }
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
