package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.loop.BackendInfo;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The ready-made benchmark endpoints and the catch-all mode. */
class TechEmpowerTest {

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
    void plaintextAndJson(BackendInfo backend) throws Exception {
        server = TestServer.start(backend, TechEmpower.server(false), 2);
        try (RawClient c = server.connect()) {
            c.send("GET /plaintext HTTP/1.1\r\nHost: tfb\r\n\r\nGET /json HTTP/1.1\r\nHost: tfb\r\n\r\n"
                    + "GET /other HTTP/1.1\r\nHost: tfb\r\n\r\nPOST /json HTTP/1.1\r\nHost: tfb\r\nContent-Length: 2\r\n\r\n{}");
            RawClient.Response plain = c.read();
            assertThat(plain.body()).isEqualTo("Hello, World!");
            assertThat(plain.header("Content-Type")).isEqualTo("text/plain");
            assertThat(plain.header("Content-Length")).isEqualTo("13");
            assertThat(plain.header("Server")).isEqualTo("ringnet");
            assertThat(plain.header("Date")).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
            RawClient.Response json = c.read();
            assertThat(json.body()).isEqualTo("{\"message\":\"Hello, World!\"}");
            assertThat(json.header("Content-Type")).isEqualTo("application/json");
            assertThat(json.header("Content-Length")).isEqualTo("27");
            assertThat(c.read().status()).isEqualTo(404);
            assertThat(c.read().status()).isEqualTo(405);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void catchAllAnswersEveryMethodAndPathAfterTheWholeBody(BackendInfo backend) throws Exception {
        server = TestServer.start(backend, TechEmpower.server(true), 2);
        try (RawClient c = server.connect()) {
            c.send("POST /anything/at/all?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"
                    + "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
            for (int i = 0; i < 6; i++) {
                RawClient.Response r = c.read(i == 4);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(i == 4 ? "" : "OK");
            }
            // the answer waits for the whole body
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
            c.timeout(200);
            assertThatThrownBy(c::read).isInstanceOf(SocketTimeoutException.class);
            c.timeout(10_000);
            c.send("67890");
            assertThat(c.read().body()).isEqualTo("OK");
        }
    }
}
