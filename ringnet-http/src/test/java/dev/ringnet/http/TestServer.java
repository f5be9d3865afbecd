package dev.ringnet.http;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import dev.ringnet.server.ServerContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/** A {@link ServerContext} with an {@link HttpServer} on a loopback port, for one test. */
final class TestServer implements AutoCloseable {
    final ServerContext context;
    final HttpServer http;
    final InetSocketAddress address;

    private TestServer(ServerContext context, HttpServer http, InetSocketAddress address) {
        this.context = context;
        this.http = http;
        this.address = address;
    }

    /** Every backend ringnet knows, available or not (an unavailable one is skipped visibly). */
    static Stream<Arguments> backends() {
        return Backends.all().stream().map(info -> Arguments.of(Named.of(info.name(), info)));
    }

    static void assumeAvailable(BackendInfo info) {
        Assumptions.assumeTrue(info.available(), () -> "backend " + info.name() + " unavailable: " + info.detail());
    }

    static TestServer start(BackendInfo backend, Router router) throws IOException {
        return start(backend, HttpServer.builder().router(router), 2);
    }

    static TestServer start(BackendInfo backend, HttpServer.Builder builder, int workers) throws IOException {
        assumeAvailable(backend);
        ServerContext ctx = ServerContext.builder().workers(workers).backend(backend.name()).build();
        try {
            HttpServer http = builder.build();
            InetSocketAddress bound = http.listen(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new TestServer(ctx, http, bound);
        } catch (IOException | RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + address.getPort() + pathAndQuery);
    }

    RawClient connect() throws IOException {
        return new RawClient(address);
    }

    /** Graceful shutdown with {@code grace}; true if every connection closed in time. */
    boolean shutdown(Duration grace) {
        return context.shutdown(grace);
    }

    @Override
    public void close() {
        try {
            http.close();
        } finally {
            context.close();
        }
    }
}
