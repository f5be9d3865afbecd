package dev.ringnet.bench;

import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's echo server process: {@link EchoServer} on one loop, the main thread being the
 * loop thread.
 *
 * <pre>
 * java -cp ... dev.ringnet.bench.EchoServerMain --port 0 --backend io_uring [--host 127.0.0.1]
 * </pre>
 *
 * Prints one line {@code listening on HOST:PORT backend NAME pid PID} once it accepts connections
 * (port 0 picks a free port, the line tells which), then serves until SIGTERM or SIGINT, when it
 * stops the loop, closes everything and exits.
 */
public final class EchoServerMain {
    private EchoServerMain() {}

    public static void main(String[] argv) throws Exception {
        Args args;
        int port;
        try {
            args = Args.parse(argv, Set.of("--port", "--backend", "--host"), Set.of("--help"));
            if (args.flag("--help")) {
                System.out.println("usage: EchoServerMain --port P [--backend auto|io_uring|nio] [--host 127.0.0.1]");
                return;
            }
            port = args.integer("--port", 7000, 0);
        } catch (Args.UsageException e) {
            System.err.println("EchoServerMain: " + e.getMessage());
            System.exit(2);
            return;
        }
        String backend = args.string("--backend", "auto");
        InetAddress host = InetAddress.getByName(args.string("--host", "127.0.0.1"));

        IoContext ctx;
        EchoServer server;
        try {
            ctx = IoContext.create(backend);
            server = EchoServer.start(ctx, new InetSocketAddress(host, port));
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("EchoServerMain: cannot start on backend " + backend + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch exited = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ctx.stop();                                   // safe from any thread
            try {
                exited.await(5, TimeUnit.SECONDS);        // let main close the loop
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "echo-server-shutdown"));

        InetSocketAddress bound = server.localAddress();
        System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + " backend " + ctx.backendName() + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        try {
            ctx.run();
        } finally {
            long accepted = server.accepted();
            ctx.close();
            System.err.println("echo server stopped: " + accepted + " connections accepted, "
                    + server.acceptErrors() + " accept errors");
            exited.countDown();
        }
    }
}
