package dev.ringnet.bench.micro;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/** The Markdown tables of a micro-benchmark run: results, ringnet/competitor ratios, bytes per timer. */
final class MicroReport {
    /** An iteration during which other processes used more CPUs than this, on average, is disturbed. */
    static final double DISTURBED_CPUS = 0.10;
    /** Undisturbed iterations a run needs for its figures to come from them alone. */
    static final int MIN_CLEAN = 2;

    private MicroReport() {
    }

    /** Whether other processes stayed below {@link #DISTURBED_CPUS} during this iteration (or that is unknown). */
    static boolean clean(IterationResult it) {
        Result<?> o = it.getSecondaryResults().get("cpu.others");
        return o == null || Double.isNaN(o.getScore()) || o.getScore() <= DISTURBED_CPUS;
    }

    /** Every measured iteration of every fork. */
    static List<IterationResult> iterations(RunResult r) {
        List<IterationResult> all = new ArrayList<>();
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            all.addAll(b.getIterationResults());
        }
        return all;
    }

    /** How many of the run's measured iterations were undisturbed. */
    static int cleanIterations(RunResult r) {
        return (int) iterations(r).stream().filter(MicroReport::clean).count();
    }

    /**
     * One benchmark and parameter combination: its JMH result (null if it failed) and what
     * happened. Its figures (score, error, percentiles, profiler results) are JMH's aggregates over
     * the undisturbed iterations when there are at least {@value #MIN_CLEAN} of them, otherwise
     * over all iterations, and the row is then marked disturbed. jmh.json keeps every iteration.
     */
    record Row(String benchmark, String impl, RunResult result, int attempts, String failure) {
        String className() {
            String[] parts = benchmark.split("\\.");
            return parts[parts.length - 2];
        }

        String method() {
            return benchmark.substring(benchmark.lastIndexOf('.') + 1);
        }

        String shortName() {
            return className() + "." + method();
        }

        boolean ok() {
            return result != null;
        }

        int cleanCount() {
            return cleanIterations(result);
        }

        int totalCount() {
            return iterations(result).size();
        }

        /** The iterations the figures come from, aggregated by JMH. */
        BenchmarkResult view() {
            List<IterationResult> all = iterations(result);
            List<IterationResult> clean = all.stream().filter(MicroReport::clean).toList();
            return new BenchmarkResult(result.getParams(), clean.size() >= MIN_CLEAN ? clean : all);
        }

        double score() {
            return view().getPrimaryResult().getScore();
        }

        double error() {
            return view().getPrimaryResult().getScoreError();
        }

        String unit() {
            return result.getPrimaryResult().getScoreUnit();
        }

        Mode mode() {
            return result.getParams().getMode();
        }

        double secondary(String label) {
            Result<?> r = view().getSecondaryResults().get(label);
            return r == null ? Double.NaN : r.getScore();
        }

        double percentile(double p) {
            if (mode() != Mode.SampleTime) {
                return Double.NaN;
            }
            return view().getPrimaryResult().getStatistics().getPercentile(p);
        }

        double others() {
            return secondary("cpu.others");
        }

        boolean disturbed() {
            return ok() && cleanCount() < MIN_CLEAN;
        }

        boolean isRingnet() {
            return impl.startsWith("ringnet");
        }

        boolean isBaseline() {
            return impl.endsWith("-baseline");
        }
    }

    /** The results table: one line per benchmark and implementation. */
    static String resultsTable(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | impl | mode | score | error | unit | p50 | p99 | CPU ns/op | CPUs busy | alloc B/op | iterations used | others (CPUs) |\n");
        sb.append("|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            if (!r.ok()) {
                sb.append("| ").append(r.shortName()).append(" | ").append(r.impl())
                        .append(" | | failed | | | | | | | | | ").append(r.failure().replace('|', '/')).append(" |\n");
                continue;
            }
            boolean sample = r.mode() == Mode.SampleTime;
            sb.append("| ").append(r.shortName())
                    .append(" | ").append(r.impl())
                    .append(" | ").append(r.mode().shortLabel())
                    .append(" | ").append(num(r.score()))
                    .append(" | ").append(Double.isNaN(r.error()) ? "–" : "± " + num(r.error()))
                    .append(" | ").append(r.unit())
                    .append(" | ").append(sample ? num(r.percentile(50)) : "")
                    .append(" | ").append(sample ? num(r.percentile(99)) : "")
                    .append(" | ").append(sample ? "(spins)" : num(r.secondary("cpu.time.norm")))
                    .append(" | ").append(fixed(r.secondary("cpu.util"), 2))
                    .append(" | ").append(num(r.secondary("gc.alloc.rate.norm")))
                    .append(" | ").append(r.disturbed() ? "all " + r.totalCount() + ", disturbed" : r.cleanCount() + " of " + r.totalCount())
                    .append(" | ").append(fixed(r.others(), 2))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * Per benchmark class, one table: a line per benchmark method and ringnet implementation, a
     * column per competitor, each cell ringnet's score over the competitor's (below 1: ringnet
     * takes less time) with the same ratio of CPU time per operation in parentheses (for sampled
     * round trips, of the medians instead, since the waiting thread spins).
     */
    static String ratioTables(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        Map<String, List<Row>> byClass = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.ok()) {
                byClass.computeIfAbsent(r.className(), k -> new ArrayList<>()).add(r);
            }
        }
        for (Map.Entry<String, List<Row>> e : byClass.entrySet()) {
            Set<String> rivals = new LinkedHashSet<>();
            Set<String> methods = new LinkedHashSet<>();
            for (Row r : e.getValue()) {
                methods.add(r.method());
                if (!r.isRingnet() && !r.isBaseline()) {
                    rivals.add(r.impl());
                }
            }
            if (rivals.isEmpty()) {
                continue;
            }
            StringBuilder table = new StringBuilder();
            table.append("| ").append(e.getKey()).append(" | ringnet |");
            for (String v : rivals) {
                table.append(" vs ").append(v).append(" |");
            }
            table.append("\n|---|---|").append("---:|".repeat(rivals.size())).append('\n');
            boolean any = false;
            for (String m : methods) {
                for (Row mine : e.getValue()) {
                    if (!mine.method().equals(m) || !mine.isRingnet()) {
                        continue;
                    }
                    any = true;
                    table.append("| ").append(m).append(" | ").append(mine.impl()).append(" |");
                    for (String v : rivals) {
                        Row theirs = find(e.getValue(), m, v);
                        table.append(' ').append(theirs == null ? "" : ratioCell(mine, theirs)).append(" |");
                    }
                    table.append('\n');
                }
            }
            if (any) {
                sb.append(table).append('\n');
            }
        }
        return sb.toString();
    }

    private static String ratioCell(Row mine, Row theirs) {
        String score = fixed(mine.score() / theirs.score(), 2);
        if (mine.mode() == Mode.SampleTime) {
            return score + " (p50 " + fixed(mine.percentile(50) / theirs.percentile(50), 2) + ")";
        }
        return score + " (CPU " + fixed(mine.secondary("cpu.time.norm") / theirs.secondary("cpu.time.norm"), 2) + ")";
    }

    private static Row find(List<Row> rows, String method, String impl) {
        for (Row r : rows) {
            if (r.method().equals(method) && r.impl().equals(impl)) {
                return r;
            }
        }
        return null;
    }

    /** The bytes-per-timer table, with ringnet's figure over each other's. */
    static String memoryTable(List<TimerMemory.Result> results, List<String> failures) {
        StringBuilder sb = new StringBuilder();
        double ringnet = Double.NaN;
        for (TimerMemory.Result r : results) {
            if (r.impl().equals("ringnet")) {
                ringnet = r.bytesPerTimer();
            }
        }
        sb.append("| timers | pending | bytes per pending timer | heap before (MB) | heap after (MB) | ringnet / this |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (TimerMemory.Result r : results) {
            sb.append("| ").append(r.impl())
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.count()))
                    .append(" | ").append(fixed(r.bytesPerTimer(), 1))
                    .append(" | ").append(fixed(r.heapBefore() / 1e6, 1))
                    .append(" | ").append(fixed(r.heapAfter() / 1e6, 1))
                    .append(" | ").append(fixed(ringnet / r.bytesPerTimer(), 2))
                    .append(" |\n");
        }
        for (String f : failures) {
            sb.append("| ").append(f.replace('|', '/')).append(" | | failed | | | |\n");
        }
        return sb.toString();
    }

    /** Three significant digits, thousands separated; "–" for NaN. */
    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 100 || a == 0) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String fixed(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
