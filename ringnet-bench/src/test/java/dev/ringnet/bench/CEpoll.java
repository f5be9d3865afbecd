package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The C reference server for the tests: compiled once per test run from
 * {@code src/main/c/epoll_http.c} into {@code target/test-c/} with warnings as errors, and started
 * as a process on port 0. Without gcc the calling test is skipped (a JUnit assumption, so the
 * report shows the reason); a compile error fails it.
 */
final class CEpoll {
    private static final Path SOURCE = Path.of("src/main/c/epoll_http.c");
    private static final Path BINARY = Path.of("target/test-c/epoll_http");
    private static String compiled;   // null: not tried yet; "": ok; else why not

    private CEpoll() {}

    /** A running c-epoll process; close() sends SIGTERM and checks that it exits with status 0. */
    record Running(Process process, int port) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.destroy();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("c-epoll exits on SIGTERM").isTrue();
            assertThat(process.exitValue()).isZero();
        }
    }

    /** Starts c-epoll in {@code mode} ("http" or "echo"); skips the test when gcc is missing. */
    static Running start(String mode) throws Exception {
        Path binary = binary();
        Process p = new ProcessBuilder(binary.toString(), "--port", "0", "--mode", mode)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();       // the server prints it once it listens, or exits
        assertThat(line).as("c-epoll's first line").isNotNull()
                .matches("listening on 127\\.0\\.0\\.1:\\d+ server c-epoll transport epoll pid " + p.pid());
        return new Running(p, Integer.parseInt(line.replaceFirst("^listening on \\S*:(\\d+) .*$", "$1")));
    }

    private static synchronized Path binary() throws IOException, InterruptedException {
        if (compiled == null) {
            compiled = compile();
        }
        Assumptions.assumeTrue(compiled.isEmpty(), compiled);
        return BINARY;
    }

    private static String compile() throws IOException, InterruptedException {
        try {
            new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start().waitFor();
        } catch (IOException e) {
            return "gcc not found: c-epoll (" + SOURCE + ") cannot be built here, so it is not tested";
        }
        Files.createDirectories(BINARY.getParent());
        Process gcc = new ProcessBuilder(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", BINARY.toString(),
                SOURCE.toString())).redirectErrorStream(true).start();
        String messages = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as("gcc on %s:%n%s", SOURCE, messages).isZero();
        return "";
    }
}
