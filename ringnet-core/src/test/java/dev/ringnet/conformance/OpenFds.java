package dev.ringnet.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Counts the process's open file descriptors through {@code /proc/self/fd}. Where /proc is absent
 * the leak assertion is skipped visibly (an assumption), never passed silently.
 */
final class OpenFds {
    private static final Path FD_DIR = Path.of("/proc/self/fd");

    private OpenFds() {}

    static boolean available() {
        return Files.isDirectory(FD_DIR);
    }

    /** The open descriptors and what they point at; empty when /proc is absent. */
    static Map<Integer, String> snapshot() {
        Map<Integer, String> fds = new TreeMap<>();
        if (!available()) {
            return fds;
        }
        try (Stream<Path> entries = Files.list(FD_DIR)) {
            entries.forEach(p -> {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    target = "?"; // closed meanwhile (for example the listing's own descriptor)
                }
                fds.put(Integer.parseInt(p.getFileName().toString()), target);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    static int count() {
        return snapshot().size();
    }

    /**
     * Asserts that no more descriptors are open than in {@code baseline} (fewer is fine: something
     * unrelated may have been closed, for example by a cleaner). Lists the new ones on failure.
     */
    static void assertNoLeak(Map<Integer, String> baseline, String what) {
        Assumptions.assumeTrue(available(), "/proc/self/fd is absent here: the fd leak check of " + what + " is skipped");
        Map<Integer, String> now = snapshot();
        Map<Integer, String> added = new TreeMap<>(now);
        added.entrySet().removeIf(e -> e.getValue().equals(baseline.get(e.getKey())));
        assertThat(now.size())
                .as("open fds after %s (baseline %d); new or changed: %s", what, baseline.size(), added)
                .isLessThanOrEqualTo(baseline.size());
    }
}
