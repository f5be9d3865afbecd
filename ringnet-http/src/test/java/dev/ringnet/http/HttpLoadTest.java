package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** 1,000 concurrent keep-alive clients, each doing a few requests, all answered. */
class HttpLoadTest {

    private static final int CLIENTS = 1000;
    private static final int REQUESTS = 4;

    private TestServer server;

    static java.util.stream.Stream<Arguments> backends() {
        return TestServer.backends();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void thousandConcurrentKeepAliveClients(BackendInfo backend) throws Exception {
        Router router = TechEmpower.router()
                .get("/id/{n}", req -> HttpResponse.text(req.pathParam("n")))
                .getBlocking("/blocking/{n}", req -> HttpResponse.text("b" + req.pathParam("n")));
        server = TestServer.start(backend, router);
        CountDownLatch allConnected = new CountDownLatch(CLIENTS);
        long start = System.nanoTime();
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                results.add(clients.submit(() -> {
                    try (RawClient c = server.connect()) {
                        allConnected.countDown();
                        // every connection is open at once before any request goes out
                        if (!allConnected.await(30, TimeUnit.SECONDS)) {
                            throw new AssertionError("clients did not all connect");
                        }
                        int ok = 0;
                        for (int r = 0; r < REQUESTS; r++) {
                            String path = switch (r) {
                                case 0 -> "/plaintext";
                                case 1 -> "/id/" + id;
                                case 2 -> "/blocking/" + id;
                                default -> "/json";
                            };
                            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                            RawClient.Response resp = c.read();
                            String expected = switch (r) {
                                case 0 -> "Hello, World!";
                                case 1 -> String.valueOf(id);
                                case 2 -> "b" + id;
                                default -> "{\"message\":\"Hello, World!\"}";
                            };
                            if (resp.status() == 200 && resp.body().equals(expected)) {
                                ok++;
                            }
                        }
                        return ok;
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(CLIENTS * REQUESTS);
        }
        System.out.printf("%s: %d clients x %d requests in %d ms%n", backend.name(), CLIENTS, REQUESTS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
