package dev.ringnet.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link HttpBench}'s chart: one row per shape, two panels per row (throughput; server CPU time
 * per request or round trip), one bar per server with the median and a min–max whisker. Each
 * panel has its own scale, so the non-pipelined shapes are not flattened by the pipelined one's
 * million requests per second. Servers keep their colour across runs (by name); a server without
 * figures (skipped, failed) has no bar and its legend entry says so.
 */
final class BenchChart {
    /** The summary of one server in one shape: median, min, max; or null when there is none. */
    interface Source {
        double[] throughput(String server, String shape);

        double[] cpuPerOp(String server, String shape);

        /** True when every run of the summary was disturbed (the figures are then a fallback). */
        default boolean allDisturbed(String server, String shape) {
            return false;
        }
    }

    private static final Map<String, String> COLORS = Map.of(
            "ringnet-io_uring", "#d62728", "ringnet-epoll", "#ff7f0e", "ringnet-nio", "#e377c2",
            "netty-io_uring", "#1f77b4", "netty-epoll", "#17becf", "netty-nio", "#9467bd",
            "jdk-vt", "#2ca02c", "c-epoll", "#555555");
    private static final int BAR = 34, AXIS = 64, PLOT_H = 150, LABELS_H = 72, HEAD_H = 40, ROW_H = HEAD_H + PLOT_H + LABELS_H;

    private BenchChart() {}

    static String color(String server) {
        return COLORS.getOrDefault(server, "#8c564b");
    }

    static String svg(String title, List<String> servers, List<String> shapes, Map<String, String> skipped,
                      Source data) {
        int panelW = Math.max(AXIS + BAR * servers.size() + 16, 340);
        int width = 20 + 2 * panelW + 40;
        int legendRows = (servers.size() + 3) / 4;
        int top = 46 + 20 * legendRows;
        int height = top + ROW_H * shapes.size() + 30;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"13\" text-anchor=\"middle\">%s</text>%n",
                width / 2, esc(title)));
        for (int i = 0; i < servers.size(); i++) {
            String s = servers.get(i);
            int x = 20 + (i % 4) * ((width - 40) / 4), y = 44 + (i / 4) * 20;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, y - 10, color(s), x + 17, y,
                    esc(skipped.containsKey(s) ? s + " (skipped)" : s)));
        }
        for (int g = 0; g < shapes.size(); g++) {
            String shape = shapes.get(g);
            boolean echo = shape.equals("echo");
            int y0 = top + g * ROW_H;
            double[][] rate = new double[servers.size()][], cpu = new double[servers.size()][];
            boolean[] disturbed = new boolean[servers.size()];
            for (int b = 0; b < servers.size(); b++) {
                rate[b] = data.throughput(servers.get(b), shape);
                cpu[b] = data.cpuPerOp(servers.get(b), shape);
                disturbed[b] = rate[b] != null && data.allDisturbed(servers.get(b), shape);
            }
            sb.append(String.format(Locale.ROOT, "<line x1=\"20\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"20\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", y0, width - 20, y0, y0 + 16,
                    esc(HttpBench.shapeLabel(shape) + (echo ? " ping-pong" : ""))));
            panel(sb, 20, y0 + 18, servers, rate, disturbed, (echo ? "round trips/s" : "requests/s") + " (higher is better)", true);
            panel(sb, 20 + panelW + 40, y0 + 18, servers, cpu, disturbed, "server CPU µs per " + (echo ? "round trip" : "request")
                    + " (lower is better)", false);
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" font-size=\"10\" fill=\"#555\">%s</text>%n", height - 10,
                esc("Pale bars, value marked *: every run of that server and shape was disturbed by other work (see the report).")));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void panel(StringBuilder sb, int x0, int y0, List<String> servers, double[][] v, boolean[] disturbed,
                              String title, boolean rate) {
        double max = 0;
        for (double[] s : v) {
            if (s != null) {
                max = Math.max(max, s[2]);
            }
        }
        max = 4 * niceStep(max <= 0 ? 1 : max * 1.12 / 4);   // room for the value labels, round ticks
        int left = x0 + AXIS, top = y0 + 22, plotW = BAR * servers.size() + 8;
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>%n", x0, y0 + 12, esc(title)));
        for (int t = 0; t <= 4; t++) {
            int y = top + PLOT_H - (int) Math.round(PLOT_H * t / 4.0);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"10\">%s</text>%n", left, y, left + plotW, y,
                    left - 4, y + 4, esc(compact(max * t / 4, rate))));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, top + PLOT_H, left + plotW, top + PLOT_H));
        for (int b = 0; b < servers.size(); b++) {
            int bx = left + 4 + b * BAR, cx = bx + (BAR - 4) / 2;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" "
                    + "transform=\"rotate(-40 %d %d)\">%s</text>%n", cx + 3, top + PLOT_H + 12, cx + 3, top + PLOT_H + 12,
                    esc(servers.get(b))));
            double[] s = v[b];
            if (s == null) {
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\" "
                        + "fill=\"#888\">n/a</text>%n", cx, top + PLOT_H - 4));
                continue;
            }
            int bh = (int) Math.round(PLOT_H * s[0] / max);
            int ylo = top + PLOT_H - (int) Math.round(PLOT_H * s[1] / max);
            int yhi = top + PLOT_H - (int) Math.round(PLOT_H * s[2] / max);
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s>"
                    + "<title>%s</title></rect>%n", bx, top + PLOT_H - bh, BAR - 4, bh, color(servers.get(b)),
                    disturbed[b] ? " fill-opacity=\"0.4\"" : "",
                    esc(servers.get(b) + ": " + full(s[0], rate) + " (" + full(s[1], rate) + "–" + full(s[2], rate) + ")"
                            + (disturbed[b] ? ", every run disturbed" : ""))));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                    cx, ylo, cx, yhi));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%s</text>%n",
                    cx, Math.min(yhi, top + PLOT_H - bh) - 3, esc(compact(s[0], rate) + (disturbed[b] ? "*" : ""))));
        }
    }

    private static final double[] STEPS = {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};

    /** The smallest 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten that is at least {@code x}. */
    static double niceStep(double x) {
        double p = Math.pow(10, Math.floor(Math.log10(x)));
        for (double s : STEPS) {
            if (x <= s * p * (1 + 1e-9)) {
                return s * p;
            }
        }
        return 10 * p;
    }

    /** 1.01M, 148k, 950 for rates; 0.95, 6.3, 12 for µs. */
    static String compact(double v, boolean rate) {
        if (rate) {
            return v >= 1e6 ? String.format(Locale.ROOT, "%.2fM", v / 1e6)
                    : v >= 1e4 ? String.format(Locale.ROOT, "%.0fk", v / 1e3)
                    : v >= 1e3 ? String.format(Locale.ROOT, "%.1fk", v / 1e3) : String.format(Locale.ROOT, "%.0f", v);
        }
        return v == 0 ? "0" : v < 10 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String full(double v, boolean rate) {
        return String.format(Locale.ROOT, rate ? "%,.0f" : "%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
