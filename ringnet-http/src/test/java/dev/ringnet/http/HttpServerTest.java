package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The server through the JDK's HTTP/1.1 client: routing, handler styles, bodies both ways. */
class HttpServerTest {

    private TestServer server;
    private HttpClient client;

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> backends() {
        return TestServer.backends();
    }

    static List<byte[]> parts() {
        List<byte[]> parts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            parts.add(("part " + i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        parts.add(new byte[40_000]); // larger than an output segment
        parts.add("end\n".getBytes(StandardCharsets.US_ASCII));
        return parts;
    }

    static Router router() {
        return new Router()
                .get("/hello", req -> HttpResponse.text("hello " + req.queryParam("name")))
                .get("/users/{id}", req -> HttpResponse.json("{\"id\":\"" + req.pathParam("id") + "\"}"))
                .get("/users/{id}/posts/{post}", req -> HttpResponse.text(req.pathParams().toString()))
                .get("/files/{*path}", req -> HttpResponse.text("file " + req.pathParam("path")))
                .get("/users/me", req -> HttpResponse.text("literal wins"))
                .post("/echo", req -> HttpResponse.builder(200)
                        .contentType("application/octet-stream")
                        .header("X-Chunked", String.valueOf(req.isChunked()))
                        .header("X-Trailer", String.valueOf(req.trailer("X-Checksum")))
                        .body(req.body())
                        .build())
                .getAsync("/async", req -> CompletableFuture.supplyAsync(() -> HttpResponse.text("async")))
                .getBlocking("/blocking", req -> {
                    // Blocking work inside the handler (what blocking routes are for), not a wait in the test.
                    Thread.sleep(20);
                    return HttpResponse.text("virtual=" + Thread.currentThread().isVirtual());
                })
                .get("/chunked", req -> HttpResponse.chunked(200, "text/plain", parts()))
                .postStreaming("/upload", req -> {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    long n = 0;
                    try (InputStream in = req.bodyStream()) {
                        byte[] b = new byte[8192];
                        for (int r; (r = in.read(b)) > 0; ) {
                            md.update(b, 0, r);
                            n += r;
                        }
                    }
                    return HttpResponse.text(n + " " + HexFormat.of().formatHex(md.digest()));
                })
                .get("/plaintext", TechEmpower.PLAINTEXT)
                .get("/fail", req -> {
                    throw new IllegalStateException("boom");
                })
                .route("PURGE", "/cache", req -> HttpResponse.text("purged"));
    }

    private void start(BackendInfo backend) throws Exception {
        server = TestServer.start(backend, router());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private java.net.http.HttpResponse<String> get(String path) throws Exception {
        return client.send(java.net.http.HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10)).build(),
                BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void routesQueryAndPathParameters(BackendInfo backend) throws Exception {
        start(backend);
        var r = get("/hello?name=J%C3%BCrgen+X");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello Jürgen X");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        assertThat(r.headers().firstValue("server")).hasValue("ringnet");
        assertThat(r.headers().firstValue("date")).isPresent();

        assertThat(get("/users/42").body()).isEqualTo("{\"id\":\"42\"}");
        assertThat(get("/users/a%20b").body()).isEqualTo("{\"id\":\"a b\"}");
        assertThat(get("/users/me").body()).isEqualTo("literal wins");
        assertThat(get("/users/7/posts/9").body()).isEqualTo("{id=7, post=9}");
        assertThat(get("/files/a/b/c.txt").body()).isEqualTo("file a/b/c.txt");
        assertThat(get("/users/").statusCode()).isEqualTo(404);
        assertThat(get("/nothing").statusCode()).isEqualTo(404);

        var notAllowed = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/users/1"))
                .DELETE().build(), BodyHandlers.ofString());
        assertThat(notAllowed.statusCode()).isEqualTo(405);
        assertThat(notAllowed.headers().firstValue("allow")).hasValue("GET, HEAD");

        var purge = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/cache"))
                .method("PURGE", BodyPublishers.noBody()).build(), BodyHandlers.ofString());
        assertThat(purge.body()).isEqualTo("purged");

        assertThat(get("/fail").statusCode()).isEqualTo(500);
        assertThat(get("/hello?name=again").body()).as("the connection survives a 500").isEqualTo("hello again");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void asyncAndBlockingHandlers(BackendInfo backend) throws Exception {
        start(backend);
        assertThat(get("/async").body()).isEqualTo("async");
        assertThat(get("/blocking").body()).isEqualTo("virtual=true");
        List<CompletableFuture<java.net.http.HttpResponse<String>>> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(server.uri(i % 2 == 0 ? "/blocking" : "/async"))
                    .build(), BodyHandlers.ofString()));
        }
        for (int i = 0; i < 20; i++) {
            assertThat(many.get(i).get().body()).isEqualTo(i % 2 == 0 ? "virtual=true" : "async");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void requestBodiesFixedAndChunked(BackendInfo backend) throws Exception {
        start(backend);
        byte[] big = new byte[3 << 20];
        new Random(1).nextBytes(big);
        var fixed = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/echo"))
                .POST(BodyPublishers.ofByteArray(big)).build(), BodyHandlers.ofByteArray());
        assertThat(fixed.statusCode()).isEqualTo(200);
        assertThat(fixed.headers().firstValue("x-chunked")).hasValue("false");
        assertThat(fixed.body()).isEqualTo(big);

        // unknown length: the client sends it chunked
        var chunked = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/echo"))
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                BodyHandlers.ofByteArray());
        assertThat(chunked.headers().firstValue("x-chunked")).hasValue("true");
        assertThat(chunked.body()).isEqualTo(big);

        var expect = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/echo")).expectContinue(true)
                .POST(BodyPublishers.ofString("with 100-continue")).build(), BodyHandlers.ofString());
        assertThat(expect.statusCode()).isEqualTo(200);
        assertThat(expect.body()).isEqualTo("with 100-continue");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void streamedUploadAndChunkedDownload(BackendInfo backend) throws Exception {
        start(backend);
        byte[] big = new byte[6 << 20];
        new Random(2).nextBytes(big);
        var up = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/upload"))
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).isEqualTo(big.length + " "
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));

        var down = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/chunked")).build(),
                BodyHandlers.ofByteArray());
        assertThat(down.statusCode()).isEqualTo(200);
        var expected = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts()) {
            expected.writeBytes(p);
        }
        assertThat(down.body()).isEqualTo(expected.toByteArray());
        assertThat(down.headers().firstValue("content-length")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void headAndTechEmpowerHeaders(BackendInfo backend) throws Exception {
        start(backend);
        var plain = get("/plaintext");
        assertThat(plain.body()).isEqualTo("Hello, World!");
        assertThat(plain.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(plain.headers().firstValue("content-length")).hasValue("13");
        assertThat(plain.headers().firstValue("server")).hasValue("ringnet");
        assertThat(plain.headers().firstValue("date").orElseThrow()).endsWith(" GMT");

        var head = client.send(java.net.http.HttpRequest.newBuilder(server.uri("/hello?name=x"))
                .method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-length")).hasValue("7");
        assertThat(head.body()).isEmpty();
    }
}
