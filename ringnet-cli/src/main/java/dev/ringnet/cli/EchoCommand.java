package dev.ringnet.cli;

import dev.ringnet.cli.EchoServer.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * {@code ringnet echo --port P [--host H] [--backend NAME] [--udp]}: runs an {@link EchoServer}
 * until SIGINT or SIGTERM.
 *
 * <p>Once listening it prints exactly one line on stdout,
 * {@code ringnet echo listening on <host>:<port> (tcp|udp, backend <name>)}, with the bound port
 * (so {@code --port 0} tells which port it got). On SIGINT or SIGTERM a shutdown hook closes the
 * server (loop stopped, sockets closed, loop thread ended) and halts the JVM with status 0: a
 * signal is how this server is meant to stop, not a failure (without the halt the JVM would exit
 * 130 or 143).
 */
final class EchoCommand {
    static final String DEFAULT_HOST = "0.0.0.0";

    private EchoCommand() {}

    /** What to serve, from the command line. */
    record Config(String host, InetSocketAddress address, String backend, Transport transport) {}

    /**
     * Parses and checks the options: the port range, the backend name (against
     * {@link dev.ringnet.loop.Backends#all()}), and that the host resolves.
     */
    static Config parse(List<String> argv) throws UsageException {
        Args args = Args.parse(argv, Set.of("--port", "--host", "--backend"), Set.of("--udp"));
        int port = args.port("--port");
        String host = args.host(DEFAULT_HOST);
        String backend = args.backend();
        InetSocketAddress address = Args.bindAddress(host, port);
        return new Config(host, address, backend, args.flag("--udp") ? Transport.UDP : Transport.TCP);
    }

    /**
     * Serves until the process is signalled. Returns 1 (after a one-line message on {@code err})
     * if the server cannot start or its loop fails.
     */
    static int run(Config config, PrintStream out, PrintStream err) {
        EchoServer server;
        try {
            server = EchoServer.start(config.address(), config.transport(), config.backend(), err);
        } catch (IOException | IllegalStateException e) {
            err.println("ringnet echo: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return Main.EXIT_FAILURE;
        }
        // Registered before the "listening" line: whoever saw the line can signal us safely.
        Thread hook = Thread.ofPlatform().name("ringnet-echo-shutdown").unstarted(() -> {
            if (server.stop()) {
                out.flush();
                err.flush();
                Runtime.getRuntime().halt(Main.EXIT_OK);
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("ringnet echo listening on " + hostAndPort(config.host(), server.address().getPort()) + " ("
                + server.transport().label() + ", backend " + server.backendName() + ")");
        out.flush();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            server.stop();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook stopped the server and exits with 0.
        }
        if (server.failure().isPresent()) {
            err.println("ringnet echo: the event loop failed: " + server.failure().get());
            return Main.EXIT_FAILURE;
        }
        return Main.EXIT_OK;
    }

    /** {@code host:port}, with an IPv6 literal in brackets: {@code [::1]:7000}. */
    static String hostAndPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    static String hostAndPort(InetSocketAddress address) {
        return hostAndPort(address.getHostString(), address.getPort());
    }
}
