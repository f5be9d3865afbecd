package dev.ringnet.bench;

import dev.ringnet.http.HttpServer;
import dev.ringnet.http.TechEmpower;
import dev.ringnet.server.ServerContext;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * ringnet's HTTP server with the TechEmpower endpoints, as {@code bin/ringnet http} runs it, from
 * the bench class path: {@code RingnetHttpMain --port P [--host H] [--transport io_uring|epoll|nio]
 * [--workers N]} (default one worker); prints
 * {@code listening on HOST:PORT server ringnet transport T pid PID}, exits on SIGTERM.
 */
public final class RingnetHttpMain {

    /** A started server. */
    record Running(ServerContext context, int port) implements AutoCloseable {
        @Override
        public void close() {
            context.close();
        }
    }

    static Running start(String host, int port, String transport, int workers) throws Exception {
        ServerContext server = ServerContext.builder().workers(workers).backend(transport)
                .threadNamePrefix("ringnet-http-").build();
        try {
            HttpServer http = TechEmpower.server(false).build();
            InetSocketAddress bound = http.listen(server, new InetSocketAddress(host, port));
            return new Running(server, bound.getPort());
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of("--port", "--host", "--transport", "--backend", "--workers"), Set.of());
        String host = a.string("--host", "127.0.0.1");
        String transport = a.string("--transport", a.string("--backend", "io_uring"));
        Running r = start(host, a.integer("--port", 8080, 0), transport, a.integer("--workers", 1, 1));
        Runtime.getRuntime().addShutdownHook(new Thread(r::close));
        System.out.println("listening on " + host + ":" + r.port() + " server ringnet transport "
                + r.context().backendName() + " pid " + ProcessHandle.current().pid());
        System.out.flush();
        r.context().awaitShutdown();
    }
}
