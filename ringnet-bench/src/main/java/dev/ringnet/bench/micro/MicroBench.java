package dev.ringnet.bench.micro;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the micro-benchmarks ({@code bin/bench-micro}): the bytes-per-timer pass
 * ({@link TimerMemory}, one fresh JVM per implementation), then every JMH benchmark and parameter
 * combination as its own JMH run, so that the machine can be checked for other load before each
 * and a disturbed run repeated. Prints a progress line per run and the tables at the end; writes
 * {@code OUT/micro/jmh.json} (JMH's JSON, every run), {@code micro.md} (the tables, set-up and
 * versions) and {@code jmh.log} (JMH's own output).
 */
public final class MicroBench {

    /**
     * Options of the forked benchmark JVMs. The collector is named: the JVM's default depends on
     * the CPUs it may use, and the pinned single-CPU runs would otherwise get Serial GC and the
     * others G1.
     */
    static final List<String> FORK_JVM_ARGS = List.of("-XX:+UseG1GC", "-Xms1g", "-Xmx1g",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    /**
     * Options of the bytes-per-timer JVMs, so that the used heap after a full GC is exactly the
     * live data: Serial GC told to compact everything (by default it may leave up to 5 % of the old
     * generation as dead objects), and no thread-local allocation buffers (a thread that allocates
     * anything after the collection, a timer thread ticking, would otherwise claim a whole buffer,
     * megabytes, which counts as used).
     */
    static final List<String> MEMORY_JVM_ARGS = List.of("-XX:+UseSerialGC", "-XX:MarkSweepDeadRatio=0", "-XX:-UseTLAB",
            "-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    /** Benchmark classes whose work is on one thread: pinned to a single CPU. */
    static final List<String> SINGLE_THREADED = List.of("ParseBench");

    private static final String USAGE = """
            usage: bin/bench-micro [--quick] [--include REGEX] [options]

              --quick                 about 2 minutes: 1 fork, 1 x 0.5 s warm-up + 2 x 0.5 s measured per run,
                                      200,000 timers x 1 attempt (JVM) for bytes per timer, no waiting for a quiet machine
              --include REGEX         only benchmarks whose name (e.g. dev.ringnet.bench.micro.PostBench.crossThread)
                                      matches; the bytes-per-timer pass runs if REGEX matches "TimerMemory"
              --param NAME=V1,V2      run only these values of a @Param (e.g. --param impl=ringnet-io_uring,netty-nio)
              --forks N               JMH forks per run (default 2)
              --warmup N              warm-up iterations (default 2)
              --iterations N          measured iterations (default 3)
              --time SECONDS          length of each iteration (default 1)
              --memory N              timers for bytes per timer (default 1,000,000; 0 skips the pass)
              --max-wait SECONDS      wait at most this long for a quiet machine before each run (default 10)
              --no-pin                do not pin the benchmark JVMs with taskset
              --out DIR               results go to DIR/micro (default bench-results/<yyyy-mm-dd>)
              --help                  this text

            Implementations (@Param impl):
              PostBench   %s
              TimerBench  %s
              ParseBench  %s
              TimerMemory %s
            """;

    private MicroBench() {
    }

    /** What to run. */
    static final class Config {
        boolean quick;
        String include;
        final Map<String, String[]> params = new LinkedHashMap<>();
        int forks = 2;
        int warmup = 2;
        int iterations = 3;
        double seconds = 1;
        int memoryCount = 1_000_000;
        int memoryAttempts = 3;
        double maxWaitSeconds = 10;
        boolean pin = true;
        boolean rerunDisturbed = true;
        Path out;
        String command = "bin/bench-micro";
        String commit = "";

        static Config parse(String[] args) {
            Config c = new Config();
            List<String> a = Arrays.asList(args);
            if (a.contains("--quick")) { // first, so that explicit options override it
                c.quick = true;
                c.forks = 1;
                c.warmup = 1;
                c.iterations = 2;
                c.seconds = 0.5;
                c.memoryCount = 200_000;
                c.memoryAttempts = 1;
                c.maxWaitSeconds = 0;
                c.rerunDisturbed = false;
            }
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--quick" -> { }
                    case "--include" -> c.include = value(args, ++i, arg);
                    case "--param" -> {
                        String v = value(args, ++i, arg);
                        int eq = v.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--param wants NAME=V1,V2, not " + v);
                        }
                        c.params.put(v.substring(0, eq), v.substring(eq + 1).split(","));
                    }
                    case "--forks" -> c.forks = Integer.parseInt(value(args, ++i, arg));
                    case "--warmup" -> c.warmup = Integer.parseInt(value(args, ++i, arg));
                    case "--iterations" -> c.iterations = Integer.parseInt(value(args, ++i, arg));
                    case "--time" -> c.seconds = Double.parseDouble(value(args, ++i, arg));
                    case "--memory" -> c.memoryCount = Integer.parseInt(value(args, ++i, arg).replace(",", "").replace("_", ""));
                    case "--max-wait" -> c.maxWaitSeconds = Double.parseDouble(value(args, ++i, arg));
                    case "--no-pin" -> c.pin = false;
                    case "--out" -> c.out = Path.of(value(args, ++i, arg));
                    case "--command" -> c.command = value(args, ++i, arg);
                    case "--commit" -> c.commit = value(args, ++i, arg);
                    default -> throw new IllegalArgumentException("unknown option " + arg + " (--help lists them)");
                }
            }
            if (c.forks < 1 || c.iterations < 1 || c.warmup < 0 || c.seconds <= 0 || c.memoryCount < 0) {
                throw new IllegalArgumentException("--forks and --iterations must be at least 1, --time positive, --warmup and --memory not negative");
            }
            if (c.out == null) {
                c.out = Path.of("bench-results", LocalDate.now().toString());
            }
            return c;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        boolean runsMemory() {
            return memoryCount > 0 && !memoryImpls().isEmpty()
                    && (include == null || Pattern.compile(include).matcher("dev.ringnet.bench.micro.TimerMemory").find());
        }

        /** The bytes-per-timer implementations: all, or those named by {@code --param impl=...}. */
        List<String> memoryImpls() {
            return known("TimerMemory", params.get("impl"));
        }

        TimeValue iterationTime() {
            return TimeValue.milliseconds(Math.round(seconds * 1000));
        }
    }

    /** One planned JMH run: a benchmark method with one value for each of its parameters. */
    record Planned(BenchmarkListEntry entry, Map<String, String> params) {
        String impl() {
            return params.getOrDefault("impl", "");
        }

        String label() {
            StringBuilder sb = new StringBuilder(simpleName(entry.getUsername()));
            params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            return sb.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(usage());
            return;
        }
        Config c;
        try {
            c = Config.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench-micro: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(c, System.out));
    }

    static String usage() {
        return USAGE.formatted(String.join(", ", Loops.NAMES) + " (default: all but the epoll ones)",
                String.join(", ", Timers.NAMES), String.join(", ", Requests.NAMES), String.join(", ", TimerMemory.NAMES));
    }

    /** Runs everything {@code c} asks for; returns the exit status (1 if a run failed). */
    static int run(Config c, PrintStream out) throws Exception {
        long started = System.nanoTime();
        Path dir = c.out.resolve("micro");
        Files.createDirectories(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        boolean pin = c.pin && Runtime.getRuntime().availableProcessors() >= 2 && onPath("taskset");
        if (c.pin && !pin) {
            out.println("bench-micro: not pinning (needs taskset and at least 2 CPUs)");
        }

        List<Planned> plan = plan(c);
        int total = plan.size() + (c.runsMemory() ? c.memoryImpls().size() : 0);
        out.printf(Locale.ROOT, "bench-micro: %d JMH runs (%d fork%s x (%d x %s warm-up + %d x %s)), %s%n",
                plan.size(), c.forks, c.forks == 1 ? "" : "s", c.warmup, seconds(c.seconds), c.iterations, seconds(c.seconds),
                c.runsMemory() ? String.format(Locale.ROOT, "bytes per timer at %,d timers", c.memoryCount) : "no bytes-per-timer pass");
        out.println("bench-micro: " + versions(c));

        int step = 0;
        int failures = 0;

        // ---- bytes per pending timer
        List<TimerMemory.Result> memory = new ArrayList<>();
        List<String> memoryFailures = new ArrayList<>();
        Path log = dir.resolve("jmh.log");
        try (PrintStream logStream = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
            if (c.runsMemory()) {
                for (String impl : c.memoryImpls()) {
                    step++;
                    long t0 = System.nanoTime();
                    try {
                        TimerMemory.Result r = memoryInChildren(java, impl, c.memoryCount, c.memoryAttempts, logStream);
                        memory.add(r);
                        out.printf(Locale.ROOT, "[%2d/%d] TimerMemory %s: %.1f bytes per pending timer (%,d timers) %s%n",
                                step, total, impl, r.bytesPerTimer(), r.count(), elapsed(t0));
                    } catch (IOException | RuntimeException e) {
                        failures++;
                        memoryFailures.add(impl + ": " + e.getMessage());
                        out.printf(Locale.ROOT, "[%2d/%d] TimerMemory %s: FAILED %s%n", step, total, impl, e.getMessage());
                    }
                }
            }

            // ---- JMH
            Path wrappers = Files.createTempDirectory("bench-micro-jvm");
            List<String> forkArgs = new ArrayList<>(FORK_JVM_ARGS);
            forkArgs.add("-Djava.util.logging.config.file=" + loggingConfig(wrappers));
            List<MicroReport.Row> rows = new ArrayList<>();
            List<RunResult> all = new ArrayList<>();
            OutputFormat logFormat = OutputFormatFactory.createFormatInstance(logStream, VerboseMode.NORMAL);
            try {
                for (Planned p : plan) {
                    step++;
                    long t0 = System.nanoTime();
                    String cpus = !pin ? null : SINGLE_THREADED.contains(simpleClass(p.entry().getUsername())) ? "1" : "0,1";
                    String jvm = cpus == null ? java : wrapper(wrappers, java, cpus);
                    RunResult best = null;
                    String failure = null;
                    int attempts = 0;
                    int maxAttempts = c.rerunDisturbed ? 2 : 1;
                    while (attempts < maxAttempts) {
                        attempts++;
                        if (c.maxWaitSeconds > 0) {
                            double busy = ProcStat.waitForQuiet(MicroReport.DISTURBED_CPUS, (long) (c.maxWaitSeconds * 1e9));
                            if (busy >= MicroReport.DISTURBED_CPUS) {
                                out.printf(Locale.ROOT, "        (machine still busy: %.2f CPUs used by others; running anyway)%n", busy);
                            }
                        }
                        try {
                            RunResult r = runOne(p, c, jvm, forkArgs, logFormat);
                            int clean = MicroReport.cleanIterations(r);
                            int iterations = MicroReport.iterations(r).size();
                            if (best == null || clean > MicroReport.cleanIterations(best)) {
                                best = r;
                            }
                            if (2 * clean >= iterations) {
                                break;
                            }
                            if (attempts < maxAttempts) {
                                out.printf(Locale.ROOT, "        disturbed (%d of %d iterations undisturbed): once more%n", clean, iterations);
                            }
                        } catch (RunnerException | RuntimeException e) {
                            failure = rootMessage(e);
                            break;
                        }
                    }
                    MicroReport.Row row = new MicroReport.Row(p.entry().getUsername(), p.impl(), best, attempts, failure);
                    rows.add(row);
                    if (best != null) {
                        all.add(best);
                        out.println(progress(step, total, p, row, t0));
                    } else {
                        failures++;
                        out.printf(Locale.ROOT, "[%2d/%d] %s: FAILED %s %s%n", step, total, p.label(), failure, elapsed(t0));
                    }
                }
            } finally {
                deleteTree(wrappers);
            }

            // ---- files and tables
            Path json = dir.resolve("jmh.json");
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(all);
            String duration = duration(System.nanoTime() - started);
            String tables = tables(rows, memory, memoryFailures, c);
            Path md = dir.resolve("micro.md");
            Files.writeString(md, markdown(c, pin, duration, tables, rows));
            out.println();
            out.print(tables);
            out.println("bench-micro: command: " + c.command);
            out.println("bench-micro: " + versions(c));
            out.println("bench-micro: took " + duration + "; wrote " + md + ", " + json + ", " + log);
        }
        return failures == 0 ? 0 : 1;
    }

    // ------------------------------------------------------------------ planning and running

    /** Every benchmark and parameter combination to run, in the order they run. */
    static List<Planned> plan(Config c) {
        List<String> includes = List.of(c.include == null ? "dev\\.ringnet\\.bench\\.micro\\." : c.include);
        SortedSet<BenchmarkListEntry> entries = BenchmarkList.defaultList().find(silent(), includes, List.of());
        // Parse first (single CPU, short), then the two-thread classes.
        List<BenchmarkListEntry> ordered = new ArrayList<>();
        for (BenchmarkListEntry e : entries) {
            if (SINGLE_THREADED.contains(simpleClass(e.getUsername()))) {
                ordered.add(e);
            }
        }
        for (BenchmarkListEntry e : entries) {
            if (!SINGLE_THREADED.contains(simpleClass(e.getUsername()))) {
                ordered.add(e);
            }
        }
        List<Planned> plan = new ArrayList<>();
        for (BenchmarkListEntry e : ordered) {
            Map<String, String[]> declared = e.getParams().orElse(Map.of());
            List<Map<String, String>> combos = new ArrayList<>();
            combos.add(new LinkedHashMap<>());
            for (Map.Entry<String, String[]> param : declared.entrySet()) {
                String[] values = param.getValue();
                String[] wanted = c.params.get(param.getKey());
                if (wanted != null) {
                    values = param.getKey().equals("impl")
                            ? known(simpleClass(e.getUsername()), wanted).toArray(String[]::new) : wanted;
                }
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> partial : combos) {
                    for (String v : values) {
                        Map<String, String> m = new LinkedHashMap<>(partial);
                        m.put(param.getKey(), v);
                        next.add(m);
                    }
                }
                combos = next;
            }
            for (Map<String, String> combo : combos) {
                plan.add(new Planned(e, combo));
            }
        }
        return plan;
    }

    /**
     * Of the implementation names {@code wanted} (all if null), those the benchmark class knows:
     * so that {@code --param impl=netty-nio} runs the post benchmarks with Netty's NIO loop and
     * skips the classes that have no such implementation.
     */
    static List<String> known(String benchmarkClass, String[] wanted) {
        List<String> names = switch (benchmarkClass) {
            case "PostBench" -> Loops.NAMES;
            case "TimerBench" -> Timers.NAMES;
            case "ParseBench" -> Requests.NAMES;
            case "TimerMemory" -> TimerMemory.NAMES;
            default -> null;
        };
        if (wanted == null) {
            return names == null ? List.of() : names;
        }
        return Arrays.stream(wanted).filter(w -> names == null || names.contains(w)).toList();
    }

    private static RunResult runOne(Planned p, Config c, String jvm, List<String> jvmArgs, OutputFormat logFormat)
            throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("^" + Pattern.quote(p.entry().getUsername()) + "$")
                .forks(c.forks)
                .warmupIterations(c.warmup)
                .warmupTime(c.iterationTime())
                .measurementIterations(c.iterations)
                .measurementTime(c.iterationTime())
                .jvm(jvm)
                .jvmArgs(jvmArgs.toArray(String[]::new))
                .addProfiler(GCProfiler.class)
                .addProfiler(CpuTimeProfiler.class)
                .shouldFailOnError(true);
        p.params().forEach(o::param);
        Collection<RunResult> results = new Runner(o.build(), logFormat).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result for " + p.label() + ", got " + results.size());
        }
        return results.iterator().next();
    }

    /**
     * A java.util.logging configuration for the benchmark JVMs: the JDK's defaults, but only
     * warnings from ringnet (its INFO line about the backend {@code auto} picked would otherwise
     * interleave with the progress lines: JMH copies a fork's stderr to ours).
     */
    private static String loggingConfig(Path dir) throws IOException {
        Path file = dir.resolve("logging.properties");
        Files.writeString(file, """
                handlers = java.util.logging.ConsoleHandler
                .level = INFO
                java.util.logging.ConsoleHandler.level = INFO
                java.util.logging.ConsoleHandler.formatter = java.util.logging.SimpleFormatter
                dev.ringnet.level = WARNING
                """);
        return file.toString();
    }

    /** A script that runs java pinned to {@code cpus}; JMH forks through it (its {@code jvm} option). */
    private static String wrapper(Path dir, String java, String cpus) throws IOException {
        Path script = dir.resolve("java-cpus-" + cpus.replace(',', '_'));
        if (!Files.exists(script)) {
            Files.writeString(script, "#!/bin/sh\nexec taskset -c " + cpus + " '" + java + "' \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        }
        return script.toString();
    }

    /** The smallest of {@code attempts} measurements, each in a fresh JVM (GC noise only ever adds). */
    static TimerMemory.Result memoryInChildren(String java, String impl, int count, int attempts, PrintStream log)
            throws IOException {
        TimerMemory.Result best = null;
        for (int a = 0; a < attempts; a++) {
            TimerMemory.Result r = memoryInChild(java, impl, count, log);
            if (best == null || r.bytesPerTimer() < best.bytesPerTimer()) {
                best = r;
            }
        }
        return best;
    }

    private static TimerMemory.Result memoryInChild(String java, String impl, int count, PrintStream log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(MEMORY_JVM_ARGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TimerMemory.class.getName(),
                "--impl", impl, "--count", Integer.toString(count)));
        log.println("# " + String.join(" ", cmd));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                log.println(l);
                if (l.startsWith("timer-memory ")) {
                    line = l;
                }
            }
        }
        try {
            if (!proc.waitFor(120, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new IOException("timed out");
            }
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (proc.exitValue() != 0 || line == null) {
            throw new IOException("exit status " + proc.exitValue() + " (see jmh.log)");
        }
        return parseMemoryLine(line);
    }

    /** Parses the line {@link TimerMemory#main} prints. */
    static TimerMemory.Result parseMemoryLine(String line) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                f.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return new TimerMemory.Result(f.get("impl"), Integer.parseInt(f.get("count")),
                Double.parseDouble(f.get("bytes-per-timer")), Long.parseLong(f.get("heap-before")), Long.parseLong(f.get("heap-after")));
    }

    // ------------------------------------------------------------------ output

    private static String progress(int step, int total, Planned p, MicroReport.Row r, long t0) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%2d/%d] %s: %s %s %s", step, total, p.label(),
                MicroReport.num(r.score()), Double.isNaN(r.error()) ? "" : "± " + MicroReport.num(r.error()), r.unit()));
        if (r.mode() == org.openjdk.jmh.annotations.Mode.SampleTime) {
            sb.append(", p50 ").append(MicroReport.num(r.percentile(50))).append(", p99 ").append(MicroReport.num(r.percentile(99)));
        } else {
            sb.append(", CPU ").append(MicroReport.num(r.secondary("cpu.time.norm"))).append(" ns/op");
        }
        sb.append(", alloc ").append(MicroReport.num(r.secondary("gc.alloc.rate.norm"))).append(" B/op");
        sb.append(r.disturbed() ? String.format(Locale.ROOT, ", DISTURBED (%d of %d iterations undisturbed; others used %.2f CPUs on average)",
                r.cleanCount(), r.totalCount(), r.others())
                : String.format(Locale.ROOT, ", %d of %d iterations undisturbed", r.cleanCount(), r.totalCount()));
        if (r.attempts() > 1) {
            sb.append(", ").append(r.attempts()).append(" attempts");
        }
        return sb.append(' ').append(elapsed(t0)).toString();
    }

    private static String tables(List<MicroReport.Row> rows, List<TimerMemory.Result> memory, List<String> memoryFailures, Config c) {
        StringBuilder sb = new StringBuilder();
        if (!rows.isEmpty()) {
            sb.append("### Results\n\n").append(MicroReport.resultsTable(rows)).append('\n');
            String ratios = MicroReport.ratioTables(rows);
            if (!ratios.isEmpty()) {
                sb.append("### ringnet / competitor\n\n")
                        .append("Score ratio (below 1: ringnet takes less time per operation), CPU-time ratio in parentheses\n")
                        .append("(for sampled round trips: ratio of the medians).\n\n")
                        .append(ratios);
            }
        }
        if (!memory.isEmpty() || !memoryFailures.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "### Bytes per pending timer (%,d timers)%n%n", c.memoryCount))
                    .append(MicroReport.memoryTable(memory, memoryFailures)).append('\n');
        }
        return sb.toString();
    }

    private static String markdown(Config c, boolean pin, String duration, String tables, List<MicroReport.Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Micro-benchmarks, ").append(LocalDate.now()).append("\n\n");
        sb.append("- command: `").append(c.command).append("`\n");
        sb.append("- duration: ").append(duration).append('\n');
        sb.append("- ").append(versions(c)).append('\n');
        sb.append("- machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs, ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append('\n');
        sb.append(String.format(Locale.ROOT, "- JMH: %d fork%s per run, %d x %s warm-up, %d x %s measured; profilers: gc, CpuTimeProfiler%n",
                c.forks, c.forks == 1 ? "" : "s", c.warmup, seconds(c.seconds), c.iterations, seconds(c.seconds)));
        sb.append("- fork JVM options: `").append(String.join(" ", FORK_JVM_ARGS))
                .append("` (and a logging configuration that keeps ringnet's INFO lines out)\n");
        sb.append("- pinning: ").append(pin ? "ParseBench on CPU 1, the others on CPUs 0,1 (taskset)" : "none").append('\n');
        sb.append("- bytes per timer: a fresh JVM per attempt, `").append(String.join(" ", MEMORY_JVM_ARGS))
                .append("`, smallest of ").append(c.memoryAttempts).append(c.memoryAttempts == 1 ? " attempt" : " attempts").append('\n');
        sb.append(String.format(Locale.ROOT, "- an iteration is *disturbed* when other processes used more than %.2f CPUs on average during it;"
                + " each row's figures come from its undisturbed iterations when there are at least %d, otherwise from all and the row is"
                + " marked disturbed%s%n", MicroReport.DISTURBED_CPUS, MicroReport.MIN_CLEAN,
                c.rerunDisturbed ? "; a run with fewer than half its iterations undisturbed is run once more, keeping the attempt with more" : ""));
        long reruns = rows.stream().filter(r -> r.attempts() > 1).count();
        long disturbed = rows.stream().filter(MicroReport.Row::disturbed).count();
        sb.append(String.format(Locale.ROOT, "- runs: %d, repeated: %d, disturbed: %d, failed: %d%n%n",
                rows.size(), reruns, disturbed, rows.stream().filter(r -> !r.ok()).count()));
        sb.append("Scores: wall time per operation (lower is better); error: JMH's 99.9 % confidence half-width. CPU ns/op:\n")
                .append("CPU time of every thread of the benchmark JVM per operation; CPUs busy: that time over wall time.\n")
                .append("alloc B/op: bytes allocated per operation, all threads (JMH's gc profiler). See docs/benchmarks-micro.md.\n\n");
        sb.append(tables);
        return sb.toString();
    }

    static String versions(Config c) {
        String netty = "?";
        try {
            var v = io.netty.util.Version.identify().get("netty-common");
            if (v != null) {
                netty = v.artifactVersion();
            }
        } catch (RuntimeException ignored) {
            // not found: leave "?"
        }
        return "JDK " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version")
                + ", Netty " + netty + ", JMH " + org.openjdk.jmh.util.Version.getPlainVersion()
                + (c.commit.isEmpty() ? "" : ", ringnet " + c.commit);
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    // ------------------------------------------------------------------ small helpers

    private static OutputFormat silent() {
        return OutputFormatFactory.createFormatInstance(new PrintStream(PrintStream.nullOutputStream()), VerboseMode.SILENT);
    }

    static String simpleName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
    }

    static String simpleClass(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length < 2 ? benchmark : parts[parts.length - 2];
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? (long) s + " s" : s + " s";
    }

    private static String elapsed(long t0) {
        return "(" + duration(System.nanoTime() - t0) + ")";
    }

    static String duration(long nanos) {
        long s = Math.round(nanos / 1e9);
        return s < 60 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
