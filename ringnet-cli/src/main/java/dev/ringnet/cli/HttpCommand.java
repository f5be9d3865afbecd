package dev.ringnet.cli;

import dev.ringnet.http.HttpServer;
import dev.ringnet.http.TechEmpower;
import dev.ringnet.server.AcceptStrategy;
import dev.ringnet.server.ServerContext;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ringnet http --port P [--host H] [--backend NAME] [--workers N] [--accept MODE] [--catch-all]}:
 * the HTTP server with the TechEmpower endpoints ({@code /plaintext}, {@code /json}) on a
 * {@link ServerContext}, until SIGINT or SIGTERM.
 *
 * <p>Once listening it prints one line on stdout:
 * {@code ringnet http listening on <host>:<port> (backend <name>, <n> workers, <mode>)}. A signal
 * shuts down gracefully (in-flight requests finish, up to 5 s) and exits 0.
 */
final class HttpCommand {
    private static final Duration GRACE = Duration.ofSeconds(5);

    private HttpCommand() {}

    record Config(String host, InetSocketAddress address, String backend, int workers, AcceptStrategy accept,
                  boolean catchAll) {}

    static Config parse(List<String> argv) throws UsageException {
        Args args = Args.parse(argv, Set.of("--port", "--host", "--backend", "--workers", "--accept"), Set.of("--catch-all"));
        int port = args.port("--port");
        String host = args.host(EchoCommand.DEFAULT_HOST);
        String backend = args.backend();
        int workers = args.positive("--workers", Runtime.getRuntime().availableProcessors());
        AcceptStrategy accept = switch (args.value("--accept", "acceptor")) {
            case "acceptor" -> AcceptStrategy.ACCEPTOR;
            case "reuseport" -> AcceptStrategy.REUSE_PORT;
            default -> throw new UsageException("--accept takes acceptor or reuseport, not '" + args.value("--accept", "") + "'");
        };
        InetSocketAddress address = Args.bindAddress(host, port);
        return new Config(host, address, backend, workers, accept, args.flag("--catch-all"));
    }

    static int run(Config config, PrintStream out, PrintStream err) {
        ServerContext server;
        InetSocketAddress bound;
        try {
            server = ServerContext.builder().workers(config.workers()).backend(config.backend())
                    .acceptStrategy(config.accept()).threadNamePrefix("ringnet-http-").build();
        } catch (IOException | RuntimeException e) {
            err.println("ringnet http: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return Main.EXIT_FAILURE;
        }
        try {
            HttpServer http = TechEmpower.server(config.catchAll()).build();
            bound = http.listen(server, config.address());
        } catch (IOException | RuntimeException e) {
            server.close();
            err.println("ringnet http: cannot listen on " + EchoCommand.hostAndPort(config.address()) + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return Main.EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = Thread.ofPlatform().name("ringnet-http-shutdown").unstarted(() -> {
            server.shutdown(GRACE);
            stopped.countDown();
            out.flush();
            err.flush();
            Runtime.getRuntime().halt(Main.EXIT_OK); // a signal is how this server stops: not a failure
        });
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("ringnet http listening on " + EchoCommand.hostAndPort(config.host(), bound.getPort())
                + " (backend " + server.backendName() + ", " + config.workers() + " worker"
                + (config.workers() == 1 ? "" : "s") + ", " + config.accept().name().toLowerCase().replace('_', '-')
                + (config.catchAll() ? ", catch-all" : "") + ")");
        out.flush();
        try {
            server.awaitShutdown();
        } catch (InterruptedException e) {
            server.close();
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }
}
