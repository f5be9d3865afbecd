package dev.ringnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.BackendInfo;
import dev.ringnet.loop.Backends;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * the reason in the test report; so is the C server ({@link CEpoll}) when gcc is missing.
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
        try {
            assertPipelined(server.port());
        } finally {
            server.close();
        }
    }

    @Test
    void cEpoll() throws Exception {
        try (CEpoll.Running r = CEpoll.start("http")) {
            check(r.port(), "c-epoll");
            assertPipelined(r.port());
        }
    }

    @Test
    void cEpollWaitsForTheRestOfASplitRequestAndItsBody() throws Exception {
        try (CEpoll.Running r = CEpoll.start("http"); Socket s = new Socket("127.0.0.1", r.port())) {
            s.setSoTimeout(5000);
            // one whole request and the start of the next: the first is answered, the rest kept
            write(s, "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\nGET /js");
            assertThat(readResponses(s, 1)).contains("Hello, World!");
            write(s, "on HTTP/1.1\r\nHost: x\r\n\r\nPOST /plaintext HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel");
            assertThat(readResponses(s, 1)).contains(HttpResponses.JSON_BODY);
            write(s, "lo" + "GET /nope HTTP/1.1\r\n\r\n");    // the body's rest, then a 404
            String two = readResponses(s, 2);
            assertThat(two).startsWith("HTTP/1.1 200 OK").contains("Hello, World!").contains("HTTP/1.1 404 Not Found");
            write(s, "GET /plaintext HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertThat(readResponses(s, 1)).contains("Hello, World!");
            assertThat(s.getInputStream().read()).as("closed after Connection: close").isEqualTo(-1);
        }
    }

    @Test
    void cEpollAnswersAMalformedRequestWith400AndCloses() throws Exception {
        try (CEpoll.Running r = CEpoll.start("http"); Socket s = new Socket("127.0.0.1", r.port())) {
            s.setSoTimeout(5000);
            write(s, "NONSENSE\r\n\r\n");
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all).startsWith("HTTP/1.1 400 Bad Request").contains("Connection: close");
        }
    }

    /** 16 requests in one write: 16 answers. */
    static void assertPipelined(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            write(s, "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".repeat(16));
            String text = readResponses(s, 16);
            assertThat(text.split("Hello, World!", -1).length - 1).isEqualTo(16);
        }
    }

    private static void write(Socket s, String text) throws Exception {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads until {@code n} whole responses (head + Content-Length body) have arrived; returns them. */
    private static String readResponses(Socket s, int n) throws Exception {
        StringBuilder all = new StringBuilder();
        byte[] buf = new byte[1];
        for (int i = 0; i < n; i++) {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                assertThat(s.getInputStream().read(buf)).as("response %d of %d", i + 1, n).isEqualTo(1);
                head.append((char) buf[0]);
            }
            Matcher m = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
            assertThat(m.find()).as("Content-Length in %s", head).isTrue();
            byte[] body = s.getInputStream().readNBytes(Integer.parseInt(m.group(1)));
            all.append(head).append(new String(body, StandardCharsets.US_ASCII));
        }
        return all.toString();
    }
}
