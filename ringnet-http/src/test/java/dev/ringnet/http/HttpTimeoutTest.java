package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Deadlines: a slow client (slowloris) is cut off after the header deadline and never holds the
 * worker (one worker here, serving others meanwhile); idle keep-alive connections and stalled
 * bodies are closed too.
 */
class HttpTimeoutTest {

    private static final Duration HEADER = Duration.ofMillis(300);
    private static final Duration BODY = Duration.ofMillis(300);
    private static final Duration IDLE = Duration.ofMillis(400);

    private TestServer server;
    private ScheduledExecutorService trickler;

    static java.util.stream.Stream<Arguments> backends() {
        return TestServer.backends();
    }

    private void start(BackendInfo backend) throws Exception {
        Router router = new Router()
                .get("/plaintext", TechEmpower.PLAINTEXT)
                .post("/echo", req -> HttpResponse.text(req.bodyText()));
        server = TestServer.start(backend, HttpServer.builder().router(router)
                .headerTimeout(HEADER).bodyTimeout(BODY).idleTimeout(IDLE), 1);
    }

    @AfterEach
    void stop() {
        if (trickler != null) {
            trickler.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void slowHeaderIsCutOffAfterTheDeadlineWhileOthersAreServed(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient slow = server.connect(); RawClient trickle = server.connect(); RawClient other = server.connect()) {
            long start = System.nanoTime();
            slow.send("GET /plaintext HTTP/1.1\r\nHost: x\r\nUser-Agent: slo"); // half a head, then nothing
            // one byte every 50 ms: each byte is progress, but the deadline counts from the first
            trickler = Executors.newSingleThreadScheduledExecutor();
            trickle.send("GET /plaintext HTTP/1.1\r\n");
            trickler.scheduleAtFixedRate(() -> {
                try {
                    trickle.send("X");
                } catch (Exception closed) {
                    throw new RuntimeException(closed);
                }
            }, 50, 50, TimeUnit.MILLISECONDS);

            for (int i = 0; i < 50; i++) { // the single worker keeps serving meanwhile
                other.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(other.read().body()).isEqualTo("Hello, World!");
            }

            RawClient.Response r = slow.read();
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(slow.closedByServer()).isTrue();
            assertThat(waitedMs).isBetween(HEADER.toMillis() - 20, 5_000L);

            RawClient.Response t = trickle.read();
            assertThat(t.status()).as("trickling does not extend the header deadline").isEqualTo(408);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000L);

            other.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(other.read().status()).isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void silentNewConnectionIsClosedAfterTheHeaderDeadline(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient silent = server.connect()) {
            long start = System.nanoTime();
            assertThat(silent.closedByServer()).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(HEADER.toMillis() - 20, 5_000L);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void idleKeepAliveConnectionIsClosed(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(c.closedByServer()).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(IDLE.toMillis() - 20, 5_000L);
        }
        assertThat(server.http.openConnections()).isLessThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void stalledBodyGets408(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByServer()).isTrue();
        }
    }
}
