package dev.ringnet.http;

import dev.ringnet.loop.IoContext;
import dev.ringnet.net.SocketOptions;
import dev.ringnet.server.ServerContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.1 server on a {@link ServerContext}: every worker loop serves connections with the
 * same {@link Router}.
 *
 * <pre>{@code
 * Router router = new Router()
 *         .get("/hello", req -> HttpResponse.text("Hello, " + req.queryParam("name")));
 * HttpServer http = HttpServer.builder()
 *         .router(router)
 *         .serverName("ringnet")
 *         .idleTimeout(Duration.ofSeconds(30))
 *         .build();
 * try (ServerContext server = ServerContext.builder().workers(4).build()) {
 *     InetSocketAddress bound = http.listen(server, new InetSocketAddress(8080));
 *     server.awaitShutdown();          // another thread calls server.shutdown(Duration.ofSeconds(5))
 * }
 * }</pre>
 *
 * <h2>What it does</h2>
 * Requests are parsed by {@link HttpRequestParser} in the receive buffers the loop lends, strictly
 * (a malformed or dangerous request gets its 4xx/5xx status with {@code Connection: close}, and
 * the connection closes); bodies with Content-Length or chunked (with trailers); persistent
 * connections, HTTP/1.0, pipelining (every complete request in the received bytes is handled and
 * their responses leave in one send), {@code Expect: 100-continue}, and HEAD. Responses carry
 * {@code Server} (configurable) and a {@code Date} formatted at most once per second per loop.
 *
 * <h2>Timeouts</h2>
 * {@linkplain Builder#headerTimeout header timeout}: a request's head must arrive whole within it
 * from its first byte (from the accept for a new connection), else {@code 408} and close: a slow
 * client cannot hold a connection open by trickling bytes. {@linkplain Builder#bodyTimeout Body
 * timeout}: the longest silence while a body arrives ({@code 408}). {@linkplain Builder#idleTimeout
 * Idle timeout}: how long a kept-alive connection may wait for its next request. None of them costs
 * a timer per request: see {@link HttpWorker}.
 *
 * <h2>Shutting down</h2>
 * {@link #listen} registers with {@link ServerContext#onDrain}: when the context shuts down, idle
 * connections close at once, and connections with requests in flight finish them (the last
 * response says {@code Connection: close}) and then close, so {@link ServerContext#shutdown}
 * completes them within its grace period. {@link #close()} closes this server's connections at
 * once.
 */
public final class HttpServer implements AutoCloseable {
    static final System.Logger LOG = System.getLogger("dev.ringnet.http");

    private final RouteTable routes;
    private final HttpLimits limits;
    private final String serverName;
    private final Duration headerTimeout;
    private final Duration bodyTimeout;
    private final Duration idleTimeout;
    private final Duration lingerTimeout;
    private final int maxPipelinedRequests;
    private final SocketOptions socketOptions;
    private final List<HttpWorker> workers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private HttpServer(Builder b) {
        this.limits = b.limits;
        this.serverName = b.serverName;
        this.headerTimeout = b.headerTimeout;
        this.bodyTimeout = b.bodyTimeout;
        this.idleTimeout = b.idleTimeout;
        this.lingerTimeout = b.lingerTimeout;
        this.maxPipelinedRequests = b.maxPipelinedRequests;
        this.socketOptions = b.socketOptions;
        this.routes = new RouteTable(b.router, serverName);
    }

    /** Starts describing a server. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link HttpServer}. */
    public static final class Builder {
        private Router router = new Router();
        private HttpLimits limits = HttpLimits.DEFAULT;
        private String serverName = "ringnet";
        private Duration headerTimeout = Duration.ofSeconds(10);
        private Duration bodyTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration lingerTimeout = Duration.ofSeconds(2);
        private int maxPipelinedRequests = 32;
        private SocketOptions socketOptions = SocketOptions.defaults();

        private Builder() {}

        /** The routes (default: none, every request gets 404). A snapshot is taken by {@link #build()}. */
        public Builder router(Router router) {
            this.router = Objects.requireNonNull(router, "router");
            return this;
        }

        /** Request size limits (default {@link HttpLimits#DEFAULT}): 414, 431 and 413 beyond them. */
        public Builder limits(HttpLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The {@code Server} header value (default {@code ringnet}); null for no Server header. */
        public Builder serverName(String name) {
            if (name != null) {
                HttpResponseEncoder.checkValue(HttpResponseEncoder.latin1(name));
            }
            this.serverName = name;
            return this;
        }

        /** How long a request's head may take to arrive, from its first byte (default 10 s). */
        public Builder headerTimeout(Duration timeout) {
            this.headerTimeout = positive(timeout, "headerTimeout");
            return this;
        }

        /** The longest silence while a request body arrives (default 30 s). */
        public Builder bodyTimeout(Duration timeout) {
            this.bodyTimeout = positive(timeout, "bodyTimeout");
            return this;
        }

        /** How long a kept-alive connection may wait for its next request (default 60 s). */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * After a response that closes the connection, how long to keep reading (and discarding)
         * for the client to close first, so that unread request bytes cannot make the kernel reset
         * the connection under the response (default 2 s).
         */
        public Builder lingerTimeout(Duration timeout) {
            this.lingerTimeout = positive(timeout, "lingerTimeout");
            return this;
        }

        /**
         * How many requests of one connection may wait for their responses before the server stops
         * reading from it (default 32).
         */
        public Builder maxPipelinedRequests(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxPipelinedRequests must be at least 1: " + count);
            }
            this.maxPipelinedRequests = count;
            return this;
        }

        /** Options of the listening and accepted sockets (default {@link SocketOptions#defaults()}: TCP_NODELAY). */
        public Builder socketOptions(SocketOptions options) {
            this.socketOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Builds the server; constant responses are pre-encoded now. */
        public HttpServer build() {
            return new HttpServer(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }

    /**
     * Listens on {@code address} with every worker of {@code server} (which this server may share
     * with others) and registers the graceful drain with {@link ServerContext#onDrain}.
     *
     * @return the bound address (port 0 picks a free one)
     */
    public InetSocketAddress listen(ServerContext server, InetSocketAddress address) throws IOException {
        if (closed) {
            throw new IllegalStateException("the HTTP server is closed");
        }
        Map<IoContext, HttpWorker> byLoop = new HashMap<>();
        List<HttpWorker> created = new ArrayList<>();
        for (IoContext loop : server.workers()) {
            HttpWorker w = new HttpWorker(this, loop, routes);
            byLoop.put(loop, w);
            created.add(w);
        }
        Map<IoContext, HttpWorker> frozen = Map.copyOf(byLoop);
        server.onDrain(loop -> {
            HttpWorker w = frozen.get(loop);
            if (w != null) {
                w.drain();
            }
        });
        workers.addAll(created);
        return server.listen(address, socketOptions, (socket, loop) -> {
            HttpWorker w = frozen.get(loop);
            if (w == null) {
                socket.close();
            } else {
                w.accept(socket);
            }
        });
    }

    /** Open connections over every loop (a snapshot). */
    public int openConnections() {
        int n = 0;
        for (HttpWorker w : workers) {
            n += w.openConnections();
        }
        return n;
    }

    /**
     * Closes every connection of this server now, and any it is handed later; returns when the
     * loops have done so (or after 10 s). The listening sockets belong to the {@link ServerContext}
     * and stay open until it shuts down. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        List<HttpWorker> all = List.copyOf(workers);
        CountDownLatch done = new CountDownLatch(all.size());
        for (HttpWorker w : all) {
            if (w.loop.inEventLoop()) {
                w.closeAll();
                done.countDown();
                continue;
            }
            try {
                w.loop.post(() -> {
                    try {
                        w.closeAll();
                    } finally {
                        done.countDown();
                    }
                });
            } catch (RejectedExecutionException loopClosed) {
                done.countDown();
            }
        }
        try {
            done.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ configuration

    /** The size limits. */
    public HttpLimits limits() {
        return limits;
    }

    /** The Server header value, or null. */
    public String serverName() {
        return serverName;
    }

    /** The header timeout. */
    public Duration headerTimeout() {
        return headerTimeout;
    }

    /** The body timeout. */
    public Duration bodyTimeout() {
        return bodyTimeout;
    }

    /** The idle keep-alive timeout. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** The linger timeout. */
    public Duration lingerTimeout() {
        return lingerTimeout;
    }

    /** Requests of one connection that may wait for responses before reading pauses. */
    public int maxPipelinedRequests() {
        return maxPipelinedRequests;
    }
}
