package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ringnet http} as a separate process, run out of file descriptors on purpose
 * ({@code prlimit --nofile}): accepting fails with EMFILE, the listener backs off with growing
 * delays (it does not spin), and once descriptors are free again every waiting connection is
 * served. Then SIGTERM stops it with exit code 0.
 */
class HttpCommandIT {
    private static final Pattern LISTENING = Pattern.compile("ringnet http listening on [^:]+:(\\d+) \\(backend ([\\w-]+),.*");
    private static final int FD_LIMIT = 128;
    private static final int CLIENTS = 160;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void runningOutOfDescriptorsBacksOffThenRecovers(String backend) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "prlimit (util-linux) is not installed");
        Assumptions.assumeTrue(dev.ringnet.loop.Backends.find(backend).available(),
                () -> backend + " unavailable: " + dev.ringnet.loop.Backends.find(backend).detail());
        Path module = Path.of("").toAbsolutePath();
        Path jar = module.resolve("target/ringnet-cli.jar");
        Assumptions.assumeTrue(Files.exists(jar), "runs after package: " + jar + " is missing");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder("/usr/bin/prlimit", "--nofile=" + FD_LIMIT + ":" + FD_LIMIT, java,
                "--enable-native-access=ALL-UNNAMED", "-cp", jar + ":" + module.resolve("target/lib") + "/*",
                "dev.ringnet.cli.Main", "http", "--port", "0", "--host", "127.0.0.1", "--workers", "1",
                "--backend", backend).start();
        List<Socket> clients = new ArrayList<>();
        try {
            BlockingQueue<Long> backoffs = new LinkedBlockingQueue<>(); // when each "accept failed" warning came
            StringBuilder stderr = new StringBuilder();
            Thread.ofVirtual().start(() -> readLines(process.getErrorStream(), line -> {
                synchronized (stderr) {
                    stderr.append(line).append('\n');
                }
                if (line.contains("accept failed")) {
                    backoffs.add(System.nanoTime());
                }
            }));
            CompletableFuture<String> first = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> readLines(process.getInputStream(), first::complete));
            String line = first.get(60, TimeUnit.SECONDS);
            Matcher m = LISTENING.matcher(line);
            assertThat(m.matches()).as("first line: %s", line).isTrue();
            assertThat(m.group(2)).isEqualTo(backend);
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(m.group(1)));

            // More connections than the server has descriptors for: the kernel completes them all
            // in the backlog, the server accepts until EMFILE.
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket();
                s.connect(address, 10_000);
                s.setSoTimeout(20_000);
                clients.add(s);
            }
            Long firstFailure = backoffs.poll(30, TimeUnit.SECONDS);
            assertThat(firstFailure).as("an accept failure was logged; stderr:%n%s", stderr).isNotNull();
            assertThat(stderr.toString()).contains("Too many open files");
            // Back-off, not a spin: five more retries take at least 10+20+40+80+160 ms.
            Long sixth = null;
            for (int i = 0; i < 5; i++) {
                sixth = backoffs.poll(30, TimeUnit.SECONDS);
                assertThat(sixth).as("retry %d", i + 1).isNotNull();
            }
            assertThat(sixth - firstFailure).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));

            // Free the server's descriptors: the first clients leave, the server closes their connections.
            int leaving = CLIENTS / 2;
            for (Socket s : clients.subList(0, leaving)) {
                s.close();
            }
            // Every client still waiting gets served once accepting resumes.
            for (Socket s : clients.subList(leaving, CLIENTS)) {
                s.getOutputStream().write("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                assertThat(status).isEqualTo("HTTP/1.1 200 OK");
            }
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private static void readLines(InputStream in, java.util.function.Consumer<String> each) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                each.accept(line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
