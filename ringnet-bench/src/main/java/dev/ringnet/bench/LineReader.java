package dev.ringnet.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Reads a child's output lines on a daemon thread, so the caller can wait for one with a deadline. */
final class LineReader {
    /** Returned by {@link #next} at end of stream. */
    static final String EOF = "\u0000EOF";

    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    LineReader(InputStream in, String name) {
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the child went away; EOF below
            } finally {
                lines.add(EOF);
            }
        });
    }

    /** The next line, {@link #EOF} at end of stream, or null if none came within {@code millis}. */
    String next(long millis) throws InterruptedException {
        return lines.poll(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
