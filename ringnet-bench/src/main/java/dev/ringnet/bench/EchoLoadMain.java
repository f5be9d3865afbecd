package dev.ringnet.bench;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

/**
 * The load generator process: runs {@link EchoLoad} on the main thread.
 *
 * <pre>
 * java -cp ... dev.ringnet.bench.EchoLoadMain --port P [--host 127.0.0.1] [--connections 64]
 *      [--payload 64] [--warmup 3] [--measure 5] [--backend auto]
 * </pre>
 *
 * Prints {@code measure-start} and {@code measure-end} at the edges of the measured period (the
 * orchestrator reads the server's counters on them), then one line {@code result key=value ...}
 * (see {@link EchoLoad.Result#toLine()}). Exit status 0 when it ran, even with connection errors
 * (the result counts them); 2 on a bad command line, 1 when it could not run.
 */
public final class EchoLoadMain {
    private EchoLoadMain() {}

    public static void main(String[] argv) {
        PrintStream out = System.out;
        EchoLoad.Config config;
        try {
            Args a = Args.parse(argv,
                    Set.of("--host", "--port", "--connections", "--payload", "--warmup", "--measure", "--backend"),
                    Set.of("--help"));
            if (a.flag("--help")) {
                out.println("usage: EchoLoadMain --port P [--host 127.0.0.1] [--connections 64] [--payload 64]"
                        + " [--warmup 3] [--measure 5] [--backend auto|io_uring|nio]");
                return;
            }
            if (!a.has("--port")) {
                throw new Args.UsageException("--port is required");
            }
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(a.string("--host", "127.0.0.1")),
                    a.integer("--port", 0, 1));
            config = new EchoLoad.Config(server, a.integer("--connections", 64, 1), a.integer("--payload", 64, 8),
                    a.seconds("--warmup", 3, 0), a.seconds("--measure", 5, 0.1), a.string("--backend", "auto"),
                    Duration.ofSeconds(10));
        } catch (Args.UsageException | java.net.UnknownHostException e) {
            System.err.println("EchoLoadMain: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            EchoLoad.Result r = new EchoLoad(config, new EchoLoad.PhaseListener() {
                @Override
                public void measureStarted() {
                    out.println("measure-start");
                    out.flush();
                }

                @Override
                public void measureEnded() {
                    out.println("measure-end");
                    out.flush();
                }
            }).run();
            out.println("result " + r.toLine());
            out.flush();
        } catch (Exception e) {
            System.err.println("EchoLoadMain: " + e);
            System.exit(1);
        }
    }
}
