package dev.ringnet.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code perf stat} attached to a process, counting only inside a window the caller opens and
 * closes: perf starts with its counters disabled ({@code -D -1}) and is switched on and off through
 * its control FIFO ({@code --control fifo:ctl,ack}), so the count covers exactly the measured
 * period, not perf's own start-up.
 *
 * <p>{@link #probe} asks perf which events this machine can count: hardware counters
 * ({@code instructions}, {@code cycles}) are often missing in virtual machines, while software
 * events and tracepoints ({@code context-switches}, {@code raw_syscalls:sys_enter}) usually work.
 */
final class PerfStat implements AutoCloseable {
    static final String INSTRUCTIONS = "instructions";
    static final String CYCLES = "cycles";
    static final String TASK_CLOCK = "task-clock";
    static final String CONTEXT_SWITCHES = "context-switches";
    static final String SYSCALLS = "raw_syscalls:sys_enter";

    private final Process perf;
    private final Path dir;
    private final Path output;
    private final RandomAccessFile ctl;
    private final RandomAccessFile ack;

    private PerfStat(Process perf, Path dir, Path output, RandomAccessFile ctl, RandomAccessFile ack) {
        this.perf = perf;
        this.dir = dir;
        this.output = output;
        this.ctl = ctl;
        this.ack = ack;
    }

    /**
     * Which of {@code events} perf can count here (each tried alone on {@code true}); empty when
     * perf is missing or not permitted. {@code why} gets one line per event left out.
     */
    static List<String> probe(List<String> events, List<String> why) {
        List<String> ok = new ArrayList<>();
        for (String event : events) {
            try {
                Process p = new ProcessBuilder("perf", "stat", "-x", ",", "-e", event, "true")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    why.add(event + ": perf did not answer");
                    continue;
                }
                if (p.exitValue() != 0) {
                    why.add(event + ": perf failed: " + firstLine(out));
                } else if (out.contains("<not supported>")) {
                    why.add(event + ": <not supported> (no hardware counters exposed here, typical of a VM)");
                } else if (out.contains("<not counted>")) {
                    why.add(event + ": <not counted>");
                } else {
                    ok.add(event);
                }
            } catch (IOException e) {
                why.add(event + ": perf not found (install linux-perf, or linux-tools for your kernel)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ok;
            }
        }
        return ok;
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    /** Attaches perf to {@code pid} with counting disabled; {@link #enable()} starts the window. */
    static PerfStat attach(long pid, List<String> events) throws IOException {
        Path dir = Files.createTempDirectory("ringnet-bench-perf");
        Path ctlPath = dir.resolve("ctl");
        Path ackPath = dir.resolve("ack");
        Path output = dir.resolve("stat.csv");
        for (Path fifo : List.of(ctlPath, ackPath)) {
            try {
                Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
                if (mk.waitFor() != 0) {
                    throw new IOException("mkfifo " + fifo + " failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        // Opened read-write: opening a FIFO that way never blocks, whether perf has opened it yet or not.
        RandomAccessFile ctl = new RandomAccessFile(ctlPath.toFile(), "rw");
        RandomAccessFile ack = new RandomAccessFile(ackPath.toFile(), "rw");
        Process perf = new ProcessBuilder("perf", "stat", "-x", ",", "-o", output.toString(),
                "-e", String.join(",", events), "-D", "-1",
                "--control", "fifo:" + ctlPath + "," + ackPath, "-p", Long.toString(pid))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("perf.log").toFile())
                .start();
        return new PerfStat(perf, dir, output, ctl, ack);
    }

    /** Starts counting; returns once perf acknowledged (or after 2 s). */
    void enable() throws IOException {
        command("enable");
    }

    /** Stops counting; returns once perf acknowledged (or after 2 s). */
    void disable() throws IOException {
        command("disable");
    }

    private void command(String cmd) throws IOException {
        if (!perf.isAlive()) {
            throw new IOException("perf exited: " + log());
        }
        ctl.write((cmd + "\n").getBytes(StandardCharsets.US_ASCII));
        boolean[] acked = new boolean[1];
        Thread reader = Thread.ofPlatform().daemon().name("perf-ack").start(() -> {
            try {
                byte[] buf = new byte[16];
                acked[0] = ack.read(buf) > 0;               // perf writes "ack\n"
            } catch (IOException ignored) {
                // reported below
            }
        });
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive() || !acked[0]) {
            throw new IOException("perf did not acknowledge '" + cmd + "': " + log());
        }
    }

    /**
     * Waits for perf to end (it ends by itself when the process it watches exits; after
     * {@code waitMillis} it is interrupted with SIGINT) and returns the counts by event name;
     * events perf could not count are absent.
     */
    Map<String, Double> finish(long waitMillis) throws IOException {
        try {
            if (!perf.waitFor(waitMillis, TimeUnit.MILLISECONDS)) {
                new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor();
                if (!perf.waitFor(5, TimeUnit.SECONDS)) {
                    perf.destroyForcibly();
                    throw new IOException("perf did not exit");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Map<String, Double> counts = new LinkedHashMap<>();
        if (!Files.exists(output)) {
            throw new IOException("perf wrote no output: " + log());
        }
        for (String line : Files.readAllLines(output)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(",", -1);                // value,unit,event,run time,percent,...
            if (f.length < 3) {
                continue;
            }
            try {
                counts.put(f[2].trim().replaceFirst(":u$", ""), Double.parseDouble(f[0].trim()));
            } catch (NumberFormatException notCounted) {
                // <not counted> / <not supported>
            }
        }
        return counts;
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("perf.log")).strip();
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        if (perf.isAlive()) {
            perf.destroyForcibly();
        }
        try {
            ctl.close();
            ack.close();
        } catch (IOException ignored) {
            // best effort
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temp files; best effort
        }
    }
}
