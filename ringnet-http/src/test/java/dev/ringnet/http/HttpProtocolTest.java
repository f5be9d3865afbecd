package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Protocol edge cases over raw sockets: pipelining, strictness, HTTP/1.0, HEAD, 100-continue, chunking. */
class HttpProtocolTest {

    private static final HttpLimits LIMITS = HttpLimits.DEFAULT.withMaxBodyLength(1 << 20);

    private TestServer server;

    static java.util.stream.Stream<Arguments> backends() {
        return TestServer.backends();
    }

    static Router router() {
        return new Router()
                .get("/plaintext", TechEmpower.PLAINTEXT)
                .get("/sync/{n}", req -> HttpResponse.text("sync " + req.pathParam("n")))
                .getAsync("/delay/{ms}", req -> {
                    long ms = Long.parseLong(req.pathParam("ms"));
                    Executor later = CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS);
                    return CompletableFuture.supplyAsync(() -> HttpResponse.text("delayed " + ms), later);
                })
                .getBlocking("/blocking/{n}", req -> {
                    // The handler's own blocking work (what blocking routes are for), not a wait in
                    // the test: responses must still come back in request order.
                    Thread.sleep(Long.parseLong(req.pathParam("n")));
                    return HttpResponse.text("blocking " + req.pathParam("n"));
                })
                .post("/echo", req -> HttpResponse.builder(200)
                        .header("X-Trailer", String.valueOf(req.trailer("X-Checksum")))
                        .text(req.bodyText()).build())
                .get("/chunked", req -> HttpResponse.chunked(200, "text/plain",
                        List.of("one,".getBytes(), "two,".getBytes(), "three".getBytes())))
                .get("/big/{n}", req -> HttpResponse.bytes(200, "application/octet-stream",
                        pattern(Integer.parseInt(req.pathParam("n")))))
                .get("/bigchunked/{n}", req -> {
                    List<byte[]> parts = new ArrayList<>();
                    for (int i = 0; i < Integer.parseInt(req.pathParam("n")); i++) {
                        parts.add(pattern(50_000));
                    }
                    return HttpResponse.chunked(200, "application/octet-stream", parts);
                })
                .postStreaming("/stream", req -> {
                    byte[] all = req.bodyStream().readAllBytes();
                    return HttpResponse.text("streamed " + all.length);
                });
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 23);
        }
        return b;
    }

    private void start(BackendInfo backend) throws Exception {
        server = TestServer.start(backend, HttpServer.builder().router(router()).limits(LIMITS), 2);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void pipelinedResponsesComeInOrderAndTogether(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                batch.append(i % 2 == 0 ? "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"
                        : "GET /sync/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            c.send(batch.toString());
            RawClient.Response firstResponse = c.read();
            assertThat(firstResponse.body()).isEqualTo("Hello, World!");
            // one send for the whole batch: the other 19 responses arrived with the first
            assertThat(c.available()).as("bytes already received after the first response").isGreaterThan(19 * 100);
            for (int i = 1; i < 20; i++) {
                RawClient.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(i % 2 == 0 ? "Hello, World!" : "sync " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void pipelinedAsyncAndBlockingResponsesKeepRequestOrder(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            String[] paths = {"/delay/150", "/plaintext", "/blocking/60", "/delay/1", "/sync/4", "/blocking/1",
                "/delay/40", "/plaintext"};
            StringBuilder batch = new StringBuilder();
            for (String p : paths) {
                batch.append("GET ").append(p).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            c.send(batch.toString());
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < paths.length; i++) {
                bodies.add(c.read().body());
            }
            assertThat(bodies).containsExactly("delayed 150", "Hello, World!", "blocking 60", "delayed 1", "sync 4",
                    "blocking 1", "delayed 40", "Hello, World!");
            c.send("GET /sync/9 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("sync 9");
        }
    }

    static List<Arguments> malformed() {
        String big = "a".repeat(9000);
        StringBuilder manyHeaders = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 101; i++) {
            manyHeaders.append("X-H").append(i).append(": v\r\n");
        }
        manyHeaders.append("\r\n");
        return List.of(
                Arguments.of("conflicting Content-Length",
                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
                Arguments.of("Transfer-Encoding with Content-Length",
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("bad char in target", "GET /a<b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("control char in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
                Arguments.of("missing Host", "GET /plaintext HTTP/1.1\r\n\r\n", 400),
                Arguments.of("bare LF", "GET /plaintext HTTP/1.1\nHost: x\n\n", 400),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
                Arguments.of("request line too long", "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                Arguments.of("too many header fields", manyHeaders.toString(), 431),
                Arguments.of("header section too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + big + "\r\n\r\n", 431),
                Arguments.of("body too large", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc", 413),
                Arguments.of("chunk too large", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "200000\r\nabc", 413),
                Arguments.of("bad chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nabc", 400),
                Arguments.of("HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                Arguments.of("unsupported coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
                Arguments.of("bad chunk in a streamed body", "POST /stream HTTP/1.1\r\nHost: x\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nxyz\r\n", 400));
    }

    static java.util.stream.Stream<Arguments> backendsAndMalformed() {
        return TestServer.backends().flatMap(b -> malformed().stream()
                .map(m -> Arguments.of(b.get()[0], m.get()[0], m.get()[1], m.get()[2])));
    }

    @ParameterizedTest(name = "{0}: {1} -> {3}")
    @MethodSource("backendsAndMalformed")
    void malformedRequestGetsItsStatusAndTheConnectionCloses(BackendInfo backend, String what, String raw, int status)
            throws Exception {
        start(backend);
        try (RawClient other = server.connect(); RawClient bad = server.connect()) {
            other.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(other.read().status()).isEqualTo(200);

            bad.send("GET /sync/1 HTTP/1.1\r\nHost: x\r\n\r\n"); // a good request first, on the same connection
            assertThat(bad.read().body()).isEqualTo("sync 1");
            bad.send(raw);
            RawClient.Response r = bad.read();
            assertThat(r.status()).as(what).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(bad.closedByServer()).as("closed after " + what).isTrue();

            other.send("GET /sync/2 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(other.read().body()).as("another connection still works").isEqualTo("sync 2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void http10AndConnectionClose(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("GET /plaintext HTTP/1.0\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.body()).isEqualTo("Hello, World!");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = server.connect()) {
            c.send("GET /sync/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.header("Connection")).isEqualTo("keep-alive");
            c.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("Hello, World!");
            c.send("GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawClient.Response streamed = c.read();
            assertThat(streamed.chunked()).as("no chunked coding for HTTP/1.0").isFalse();
            assertThat(streamed.header("Connection")).isEqualTo("close");
            assertThat(streamed.body()).isEqualTo("one,two,three");
        }
        try (RawClient c = server.connect()) {
            c.send("GET /sync/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /sync/2 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.body()).isEqualTo("sync 1");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).as("nothing after Connection: close").isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void headSendsNoBody(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\nHEAD /sync/5 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /sync/6 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response fixed = c.read(true);
            assertThat(fixed.header("Content-Length")).isEqualTo("13");
            RawClient.Response dynamic = c.read(true);
            assertThat(dynamic.header("Content-Length")).isEqualTo("6");
            RawClient.Response chunked = c.read(true);
            assertThat(chunked.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(c.read().body()).as("no body bytes were sent before").isEqualTo("sync 6");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void expectContinue(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response interim = c.read();
            assertThat(interim.status()).isEqualTo(100);
            c.send("hello");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello");
            // the body sent along without waiting: no 100
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc");
            RawClient.Response direct = c.read();
            assertThat(direct.status()).isEqualTo(200);
            assertThat(direct.body()).isEqualTo("abc");
            // behind a slow pipelined response, the 100 waits its turn
            c.send("GET /delay/50 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("delayed 50");
            assertThat(c.read().status()).isEqualTo(100);
            c.send("ok");
            assertThat(c.read().body()).isEqualTo("ok");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void chunkedRequestWithTrailersAndChunkedResponse(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.body()).isEqualTo("hello world");
            assertThat(r.header("X-Trailer")).isEqualTo("42");
            // the same split into tiny pieces
            String req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 43\r\n\r\n";
            for (int i = 0; i < req.length(); i += 7) {
                c.send(req.substring(i, Math.min(req.length(), i + 7)));
                Thread.onSpinWait();
            }
            RawClient.Response split = c.read();
            assertThat(split.body()).isEqualTo("hello world");
            assertThat(split.header("X-Trailer")).isEqualTo("43");

            c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response chunked = c.read();
            assertThat(chunked.chunked()).isTrue();
            assertThat(chunked.body()).isEqualTo("one,two,three");

            c.send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("streamed 5");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void otherTargetForms(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            c.send("GET http://example.com/plaintext HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("Hello, World!");
            c.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(404);
            c.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(501);
            c.send("GET /sync/3 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("sync 3");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void manyPipelinedRequestsBeyondTheLimitPauseAndResume(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            StringBuilder batch = new StringBuilder();
            int n = 300;
            for (int i = 0; i < n; i++) {
                batch.append(i % 3 == 0 ? "GET /delay/1 HTTP/1.1\r\nHost: x\r\n\r\n" : "GET /sync/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            c.send(batch.toString());
            for (int i = 0; i < n; i++) {
                assertThat(c.read().body()).isEqualTo(i % 3 == 0 ? "delayed 1" : "sync " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void slowReaderOfLargePipelinedResponses(BackendInfo backend) throws Exception {
        start(backend);
        try (RawClient c = server.connect()) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 12; i++) {
                batch.append(i % 2 == 0 ? "GET /big/2000000 HTTP/1.1\r\nHost: x\r\n\r\n"
                        : "GET /bigchunked/40 HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            c.send(batch.toString()); // and read nothing for now: the server must hold back
            String big = new String(pattern(2_000_000), java.nio.charset.StandardCharsets.ISO_8859_1);
            String part = new String(pattern(50_000), java.nio.charset.StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 12; i++) {
                RawClient.Response r = c.read();
                if (i % 2 == 0) {
                    assertThat(r.body()).isEqualTo(big);
                } else {
                    assertThat(r.chunked()).isTrue();
                    assertThat(r.body()).isEqualTo(part.repeat(40));
                }
            }
            c.send("GET /sync/1 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("sync 1");
        }
    }
}
