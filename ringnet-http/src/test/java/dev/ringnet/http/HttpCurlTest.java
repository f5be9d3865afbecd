package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The server through curl, when installed (skipped visibly otherwise). */
class HttpCurlTest {

    private static boolean curlInstalled;
    private TestServer server;

    static java.util.stream.Stream<Arguments> backends() {
        return TestServer.backends();
    }

    @BeforeAll
    static void findCurl() {
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            curlInstalled = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            curlInstalled = false;
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    record Result(int exit, String out, String err) {}

    private Result curl(byte[] stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("curl finished").isTrue();
        return new Result(p.exitValue(), new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8),
                new String(err.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void curlAgainstTheServer(BackendInfo backend) throws Exception {
        Assumptions.assumeTrue(curlInstalled, "curl is not installed");
        server = TestServer.start(backend, HttpServerTest.router());
        String base = "http://127.0.0.1:" + server.address.getPort();

        Result plain = curl(null, "--include", base + "/plaintext");
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(plain.out()).startsWith("HTTP/1.1 200 OK\r\n").contains("Server: ringnet\r\n", "Content-Length: 13\r\n",
                "Content-Type: text/plain\r\n", "Date: ").endsWith("\r\n\r\nHello, World!");

        Result head = curl(null, "--head", base + "/plaintext");
        assertThat(head.out()).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 13\r\n").endsWith("\r\n\r\n");

        // two requests on one connection
        Result twice = curl(null, "--verbose", base + "/users/1", base + "/users/2");
        assertThat(twice.out()).isEqualTo("{\"id\":\"1\"}{\"id\":\"2\"}");
        assertThat(twice.err()).containsIgnoringCase("existing connection");

        byte[] data = new byte[300_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        Result chunkedUpload = curl(data, "--data-binary", "@-", "--header", "Transfer-Encoding: chunked",
                "--header", "Content-Type: application/octet-stream", base + "/echo");
        assertThat(chunkedUpload.out()).isEqualTo(new String(data, StandardCharsets.US_ASCII));

        Result expect = curl(data, "--data-binary", "@-", "--header", "Expect: 100-continue", "--verbose", base + "/echo");
        assertThat(expect.err()).contains("100 Continue");
        assertThat(expect.out()).isEqualTo(new String(data, StandardCharsets.US_ASCII));

        Result chunked = curl(null, "--include", base + "/chunked");
        assertThat(chunked.out()).contains("Transfer-Encoding: chunked\r\n").contains("part 49\n").endsWith("end\n");

        Result http10 = curl(null, "--http1.0", "--include", base + "/hello?name=old");
        assertThat(http10.out()).contains("Connection: close\r\n").endsWith("hello old");

        Result post = curl("x".repeat(10).getBytes(), "--data-binary", "@-", base + "/upload");
        assertThat(post.out()).startsWith("10 ");

        Result bad = curl(null, "--include", "--request-target", "/a<b", base + "/");
        assertThat(bad.out()).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n");
    }

    static byte[] bytes(ByteArrayOutputStream b) {
        return b.toByteArray();
    }
}
