package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/ringnet echo} as a separate process: it announces its port, echoes, and exits 0 on
 * SIGTERM ({@link Process#destroy()}). Runs in the integration-test phase, after package, so
 * {@code bin/ringnet} finds an up-to-date {@code target/ringnet-cli.jar}.
 */
class EchoCommandIT {
    private static final Pattern LISTENING =
            Pattern.compile("ringnet echo listening on 0\\.0\\.0\\.0:(\\d+) \\((tcp|udp), backend ([\\w-]+)\\)");
    /** Generous: bin/ringnet rebuilds first if a source is newer than the jar. */
    private static final long STARTUP_SECONDS = 180;
    private static final long EXIT_SECONDS = 20;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "udp"})
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void echoesThenExitsZeroOnSigterm(String transport) throws Exception {
        Path root = projectRoot();
        List<String> command = new ArrayList<>(List.of(root.resolve("bin/ringnet").toString(), "echo", "--port", "0"));
        if (transport.equals("udp")) {
            command.add("--udp");
        }
        Path stderr = tmp.resolve("stderr.txt");
        Process process = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectError(stderr.toFile())
                .start();
        try {
            CompletableFuture<String> firstLine = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    String line = out.readLine();
                    firstLine.complete(line == null ? "<end of output>" : line);
                    while (out.readLine() != null) {
                        // drain: nothing more is expected, but never let the pipe fill
                    }
                } catch (IOException e) {
                    firstLine.completeExceptionally(e);
                }
            });
            String line = firstLine.get(STARTUP_SECONDS, TimeUnit.SECONDS);
            Matcher m = LISTENING.matcher(line);
            assertThat(m.matches()).as("first line %s; stderr:%n%s", line, Files.readString(stderr)).isTrue();
            assertThat(m.group(2)).isEqualTo(transport);
            int port = Integer.parseInt(m.group(1));
            if (m.group(3).equals("io_uring")) {
                // bin/ringnet execs java: the process is the server, and io_uring means a ring fd.
                assertThat(ringFds(process.pid())).as("anon_inode:[io_uring] fds of the server").isPositive();
            }

            byte[] message = ("hello over " + transport + "\n").getBytes(StandardCharsets.US_ASCII);
            if (transport.equals("tcp")) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(message);
                    assertThat(s.getInputStream().readNBytes(message.length)).isEqualTo(message);
                }
            } else {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                    s.setSoTimeout(10_000);
                    s.send(new DatagramPacket(message, message.length, InetAddress.getLoopbackAddress(), port));
                    DatagramPacket reply = new DatagramPacket(new byte[1024], 1024);
                    s.receive(reply);
                    assertThat(Arrays.copyOf(reply.getData(), reply.getLength())).isEqualTo(message);
                }
            }

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)).as("exited within %d s", EXIT_SECONDS).isTrue();
            String err = Files.readString(stderr);
            // The shutdown hook closes the server and halts with 0: SIGTERM is the normal way to stop it.
            assertThat(process.exitValue()).as("exit code; stderr:%n%s", err).isZero();
            assertThat(err).doesNotContain("Exception", "WARNING", "SEVERE");
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private static long ringFds(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    /** The directory holding bin/ringnet: the module's parent when Maven runs us, or above. */
    private static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("bin/ringnet"))) {
                return dir;
            }
        }
        throw new IllegalStateException("bin/ringnet not found above " + Path.of("").toAbsolutePath());
    }
}
