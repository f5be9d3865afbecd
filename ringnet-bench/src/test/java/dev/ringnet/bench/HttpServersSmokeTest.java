package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Starts each server of the HTTP benchmark in-process on port 0 and checks {@code /plaintext} and
 * {@code /json} (status, body, Content-Type, Content-Length, Server, Date) with the JDK's
 * HttpClient. A Netty native transport or ringnet backend that cannot load here is skipped, with
 * the reason in the test report.
 */
class HttpServersSmokeTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    static void check(int port, String server) throws Exception {
        for (int i = 0; i < 2; i++) {  // twice: the second request reuses the kept-alive connection
            assertResponse(get(port, "/plaintext"), server, "text/plain", HttpResponses.PLAINTEXT_BODY);
            assertResponse(get(port, "/json"), server, "application/json", HttpResponses.JSON_BODY);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertResponse(HttpResponse<String> r, String server, String type, String body) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.headers().firstValue("content-type")).hasValue(type);
        assertThat(r.headers().firstValue("content-length")).hasValue(Integer.toString(body.length()));
        assertThat(r.headers().firstValue("server")).hasValue(server);
        assertThat(r.headers().firstValue("date")).hasValueSatisfying(d -> assertThat(d).endsWith(" GMT"));
    }

    @ParameterizedTest(name = "netty {0}")
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void netty(String transport) throws Exception {
        Throwable why = NettyHttpMain.unavailable(transport);
        Assumptions.assumeTrue(why == null, () -> "netty " + transport + " native transport does not load here: " + why);
        try (NettyHttpMain.Running r = NettyHttpMain.start("127.0.0.1", 0, transport)) {
            check(r.port(), "netty");
        }
    }

    @Test
    void jdkVirtualThreads() throws Exception {
        VirtualThreadHttpMain server = VirtualThreadHttpMain.start("127.0.0.1", 0);
        try {
            check(server.port(), "jdk-vt");
        } finally {
            server.close();
        }
    }

    static Stream<String> ringnetBackends() {
        List<String> names = new ArrayList<>();
        for (BackendInfo b : Backends.all()) {
            names.add(b.name());
        }
        return names.stream();
    }

    @ParameterizedTest(name = "ringnet {0}")
    @MethodSource("ringnetBackends")
    void ringnet(String backend) throws Exception {
        BackendInfo info = Backends.all().stream().filter(b -> b.name().equals(backend)).findFirst().orElseThrow();
        Assumptions.assumeTrue(info.available(), () -> "ringnet " + backend + " unavailable: " + info.detail());
        try (RingnetHttpMain.Running r = RingnetHttpMain.start("127.0.0.1", 0, backend, 1)) {
            check(r.port(), "ringnet");
        }
    }

    @Test
    void pipelinedRequestsAreAllAnsweredByTheVirtualThreadServer() throws Exception {
        VirtualThreadHttpMain server = VirtualThreadHttpMain.start("127.0.0.1", 0);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            String one = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n";
            s.getOutputStream().write((one.repeat(16)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] buf = new byte[64 * 1024];
            int got = 0, answers = 0;
            while (answers < 16) {
                int n = s.getInputStream().read(buf, got, buf.length - got);
                assertThat(n).isPositive();
                got += n;
                String text = new String(buf, 0, got, java.nio.charset.StandardCharsets.US_ASCII);
                answers = text.split("Hello, World!", -1).length - 1;
            }
            assertThat(answers).isEqualTo(16);
        } finally {
            server.close();
        }
    }
}
