package dev.ringnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
    private static final String USAGE_LINE = "usage: ringnet <command> [options]";

    private static void assertUsageError(CliRun run, String message) {
        assertThat(run.exitCode()).as("exit code; stderr:%n%s", run.err()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).startsWith("ringnet: " + message).contains(USAGE_LINE);
        assertThat(run.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "help", "-h"})
    void helpGoesToStdoutWithExitZero(String arg) {
        CliRun run = CliRun.of(arg);
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith(USAGE_LINE).contains("info", "echo --port P", "--backend NAME", "--udp");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void subcommandHelpIsTheUsageToo() {
        CliRun run = CliRun.of("echo", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith(USAGE_LINE);
    }

    @Test
    void noCommandIsAUsageError() {
        assertUsageError(CliRun.of(), "no command given");
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertUsageError(CliRun.of("frobnicate"), "unknown command 'frobnicate'");
    }

    @Test
    void badEchoArgumentsAreUsageErrors() {
        assertUsageError(CliRun.of("echo"), "--port is required");
        assertUsageError(CliRun.of("echo", "--port", "65536"), "--port needs a number between 0 and 65535");
        assertUsageError(CliRun.of("echo", "--port", "seven"), "--port needs a number between 0 and 65535");
        assertUsageError(CliRun.of("echo", "--port", "0", "--foo"), "unknown option --foo");
        assertUsageError(CliRun.of("echo", "--port"), "--port needs a value");
        assertUsageError(CliRun.of("echo", "--port", "0", "extra"), "unexpected argument 'extra'");
        assertUsageError(CliRun.of("echo", "--port", "0", "--host", "no-such-host.invalid"),
                "--host 'no-such-host.invalid' does not resolve");
        assertUsageError(CliRun.of("help", "me"), "help takes no arguments");
        assertUsageError(CliRun.of("info", "--verbose"), "unknown option --verbose");
    }

    @Test
    void unknownBackendListsTheKnownOnes() {
        CliRun run = CliRun.of("echo", "--port", "0", "--backend", "carrier-pigeon");
        assertUsageError(run, "unknown backend 'carrier-pigeon'");
        String firstLine = run.err().lines().findFirst().orElseThrow();
        assertThat(firstLine).contains("known: auto");
        for (BackendInfo b : Backends.all()) {
            assertThat(firstLine).contains(b.name());
        }
    }

    @Test
    void unavailableBackendFailsWithExitOne() {
        Optional<BackendInfo> unavailable = Backends.all().stream().filter(b -> !b.available()).findFirst();
        assumeTrue(unavailable.isPresent(), "every backend is available here");
        CliRun run = CliRun.of("echo", "--port", "0", "--host", "127.0.0.1", "--backend", unavailable.get().name());
        assertThat(run.exitCode()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err()).startsWith("ringnet echo: ").contains(unavailable.get().name()).hasLineCount(1);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void tcpPortInUseFailsWithExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            CliRun run = CliRun.of("echo", "--port", String.valueOf(port), "--host", "127.0.0.1");
            assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(run.err()).startsWith("ringnet echo: cannot listen on 127.0.0.1:" + port + " (tcp): ")
                    .hasLineCount(1);
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void udpPortInUseFailsWithExitOne() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = taken.getLocalPort();
            CliRun run = CliRun.of("echo", "--port", String.valueOf(port), "--host", "127.0.0.1", "--udp");
            assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(run.err()).startsWith("ringnet echo: cannot listen on 127.0.0.1:" + port + " (udp): ")
                    .hasLineCount(1);
        }
    }

    @Test
    void udpPortTakenByAnotherEchoServerFailsWithExitOne() throws Exception {
        try (EchoServer first = EchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                EchoServer.Transport.UDP, Backends.AUTO, System.err)) {
            int port = first.address().getPort();
            CliRun run = CliRun.of("echo", "--port", String.valueOf(port), "--host", "127.0.0.1", "--udp");
            assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(run.err()).startsWith("ringnet echo: cannot listen on 127.0.0.1:" + port + " (udp): ");
        }
    }

    @Test
    void infoListsEveryBackendThenAutoJavaAndOs() {
        CliRun run = CliRun.of("info");
        assertThat(run.exitCode()).as("stderr: %s", run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        List<BackendInfo> all = Backends.all();
        assertThat(lines).hasSize(all.size() + 4);
        for (int i = 0; i < all.size(); i++) {
            BackendInfo b = all.get(i);
            String expected = b.available() ? "available (" + b.detail() + ")" : "unavailable: " + b.detail();
            assertThat(lines.get(i)).isEqualTo(String.format("%-10s %s", b.name(), expected));
        }
        assertThat(lines).anyMatch(l -> l.matches("nio {8}available \\(java\\.nio .+\\)"));
        assertThat(lines.get(all.size())).isEqualTo("auto       -> " + Backends.auto().name());
        assertThat(lines.get(all.size() + 1)).startsWith("tasks      loop-affine virtual threads ");
        assertThat(lines.get(all.size() + 2)).startsWith("java       " + Runtime.version().feature());
        assertThat(lines.get(all.size() + 3)).isEqualTo("os         " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }
}
