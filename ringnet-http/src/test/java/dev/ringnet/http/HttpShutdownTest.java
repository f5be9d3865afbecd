package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.loop.BackendInfo;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Graceful shutdown: idle connections close at once, in-flight requests complete first. */
class HttpShutdownTest {

    private TestServer server;
    private final CountDownLatch handlerStarted = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    static java.util.stream.Stream<Arguments> backends() {
        return TestServer.backends();
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.close();
        }
    }

    private void start(BackendInfo backend) throws Exception {
        Router router = new Router()
                .get("/plaintext", TechEmpower.PLAINTEXT)
                .getBlocking("/slow", req -> {
                    handlerStarted.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    return HttpResponse.text("done");
                });
        // one worker: once the idle connection is closed, the drain has run where the slow one lives
        server = TestServer.start(backend, HttpServer.builder().router(router), 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void shutdownCompletesTheInFlightRequestAndClosesIdleConnections(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient idle = server.connect(); RawClient busy = server.connect()) {
            idle.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(idle.read().status()).isEqualTo(200);
            busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(handlerStarted.await(10, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> server.shutdown(Duration.ofSeconds(10)));
            assertThat(idle.closedByServer()).as("the idle keep-alive connection closes at once").isTrue();
            assertThat(shutdown).isNotDone();

            release.countDown();
            RawClient.Response r = busy.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("done");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(busy.closedByServer()).isTrue();
            busy.socket.close(); // like any client on end of stream: the server stops lingering
            assertThat(shutdown.get(10, TimeUnit.SECONDS)).as("every connection closed within the grace").isTrue();
        }
        assertThatThrownBy(server::connect).isInstanceOf(IOException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void shutdownWithTheJdkClientInFlight(BackendInfo backend) throws Exception {
        start(backend);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            var pending = client.sendAsync(java.net.http.HttpRequest.newBuilder(server.uri("/slow")).build(),
                    BodyHandlers.ofString());
            assertThat(handlerStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> server.shutdown(Duration.ofSeconds(10)));
            release.countDown();
            var r = pending.get(10, TimeUnit.SECONDS);
            assertThat(r.body()).isEqualTo("done");
            assertThat(shutdown.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void closeDropsConnectionsAtOnce(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(server.http.openConnections()).isEqualTo(1);
            server.http.close();
            assertThat(c.closedByServer()).isTrue();
            assertThat(server.http.openConnections()).isZero();
        }
    }
}
