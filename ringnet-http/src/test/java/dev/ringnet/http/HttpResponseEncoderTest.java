package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpResponseEncoderTest {

    private static final long NOW = 784_111_777_123L; // Sun, 06 Nov 1994 08:49:37 GMT
    private static final String DATE = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
    private static final byte[] TEXT_PLAIN = bytes("text/plain");
    private static final byte[] HELLO = bytes("Hello, World!");

    private static String written(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate().flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    void helloWorldResponse() {
        HttpResponseEncoder enc = new HttpResponseEncoder("ringnet");
        ByteBuffer buf = ByteBuffer.allocate(512);
        assertThat(enc.writeResponse(buf, 200, TEXT_PLAIN, HELLO, HttpResponseEncoder.CONNECTION_DEFAULT, NOW)).isTrue();
        String expected = "HTTP/1.1 200 OK\r\n"
                + "Server: ringnet\r\n"
                + DATE
                + "Content-Type: text/plain\r\n"
                + "Content-Length: 13\r\n"
                + "\r\n"
                + "Hello, World!";
        assertThat(written(buf)).isEqualTo(expected);
        assertThat(enc.headLength(200, TEXT_PLAIN, 13, HttpResponseEncoder.CONNECTION_DEFAULT))
                .isEqualTo(expected.length() - 13);
    }

    @Test
    void connectionModesAndNoServer() {
        HttpResponseEncoder enc = new HttpResponseEncoder(null);
        ByteBuffer buf = ByteBuffer.allocateDirect(512);
        enc.writeHead(buf, 404, null, 0, HttpResponseEncoder.CONNECTION_CLOSE, NOW);
        assertThat(written(buf)).isEqualTo("HTTP/1.1 404 Not Found\r\n" + DATE
                + "Content-Length: 0\r\nConnection: close\r\n\r\n");
        buf.clear();
        enc.writeHead(buf, 200, null, -1, HttpResponseEncoder.CONNECTION_KEEP_ALIVE, NOW);
        assertThat(written(buf)).isEqualTo("HTTP/1.1 200 OK\r\n" + DATE + "Connection: keep-alive\r\n\r\n");
        assertThatThrownBy(() -> enc.writeHead(ByteBuffer.allocate(512), 200, null, 0, 7, NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noContentLengthFor1xxAnd204() {
        HttpResponseEncoder enc = new HttpResponseEncoder(null);
        ByteBuffer buf = ByteBuffer.allocate(512);
        enc.writeHead(buf, 204, null, 0, HttpResponseEncoder.CONNECTION_DEFAULT, NOW);
        assertThat(written(buf)).isEqualTo("HTTP/1.1 204 No Content\r\n" + DATE + "\r\n");
        buf.clear();
        HttpResponseEncoder.continue100(buf);
        assertThat(written(buf)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "200|HTTP/1.1 200 OK", "201|HTTP/1.1 201 Created", "204|HTTP/1.1 204 No Content",
        "301|HTTP/1.1 301 Moved Permanently", "304|HTTP/1.1 304 Not Modified", "400|HTTP/1.1 400 Bad Request",
        "413|HTTP/1.1 413 Content Too Large", "414|HTTP/1.1 414 URI Too Long",
        "431|HTTP/1.1 431 Request Header Fields Too Large", "500|HTTP/1.1 500 Internal Server Error",
        "501|HTTP/1.1 501 Not Implemented", "505|HTTP/1.1 505 HTTP Version Not Supported",
        "299|'HTTP/1.1 299 '", "599|'HTTP/1.1 599 '",
    })
    void statusLines(int status, String line) {
        ByteBuffer buf = ByteBuffer.allocate(64);
        HttpResponseEncoder.statusLine(buf, status);
        assertThat(written(buf)).isEqualTo(line + "\r\n");
    }

    @Test
    void statusOutOfRange() {
        assertThatThrownBy(() -> HttpResponseEncoder.statusLine(ByteBuffer.allocate(64), 99))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.statusLine(ByteBuffer.allocate(64), 600))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(HttpResponseEncoder.reasonPhrase(404)).isEqualTo("Not Found");
        assertThat(HttpResponseEncoder.reasonPhrase(299)).isEmpty();
    }

    @Test
    void wholeHeadMethodsWriteNothingWhenTheyDoNotFit() {
        HttpResponseEncoder enc = new HttpResponseEncoder("ringnet");
        int need = enc.headLength(200, TEXT_PLAIN, 13, HttpResponseEncoder.CONNECTION_DEFAULT) + 13;
        ByteBuffer small = ByteBuffer.allocate(need - 1);
        assertThat(enc.writeResponse(small, 200, TEXT_PLAIN, HELLO, HttpResponseEncoder.CONNECTION_DEFAULT, NOW)).isFalse();
        assertThat(enc.writeHead(ByteBuffer.allocate(10), 200, TEXT_PLAIN, 13, 0, NOW)).isFalse();
        assertThat(enc.writeChunkedHead(ByteBuffer.allocate(10), 200, TEXT_PLAIN, 0, NOW)).isFalse();
        assertThat(small.position()).isZero();
        ByteBuffer exact = ByteBuffer.allocate(need);
        assertThat(enc.writeResponse(exact, 200, TEXT_PLAIN, HELLO, HttpResponseEncoder.CONNECTION_DEFAULT, NOW)).isTrue();
        assertThat(exact.hasRemaining()).isFalse();
    }

    @Test
    void primitivesThrowOverflowWithoutWriting() {
        ByteBuffer buf = ByteBuffer.allocate(10);
        buf.put((byte) 'x');
        assertThatThrownBy(() -> HttpResponseEncoder.contentLength(buf, 12345)).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, bytes("Name"), bytes("value"))).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, "Name", "value")).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.chunk(buf, new byte[8])).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.chunkHeader(ByteBuffer.allocate(3), 0x100)).isInstanceOf(BufferOverflowException.class);
        assertThat(buf.position()).isEqualTo(1);
    }

    @Test
    void primitives() {
        HttpResponseEncoder enc = new HttpResponseEncoder("ringnet/0.1");
        ByteBuffer buf = ByteBuffer.allocate(1024);
        HttpResponseEncoder.statusLine(buf, 200);
        enc.serverAndDate(buf, NOW);
        HttpResponseEncoder.contentType(buf, bytes("application/json; charset=utf-8"));
        HttpResponseEncoder.contentLength(buf, 0);
        HttpResponseEncoder.contentLength(buf, 9_223_372_036_854_775_807L);
        HttpResponseEncoder.header(buf, bytes("X-A"), bytes("1\t2"));
        HttpResponseEncoder.header(buf, "X-B", "caf\u00e9");
        HttpResponseEncoder.connectionClose(buf);
        HttpResponseEncoder.connectionKeepAlive(buf);
        HttpResponseEncoder.transferEncodingChunked(buf);
        enc.dateHeader(buf, NOW);
        HttpResponseEncoder.endHead(buf);
        assertThat(written(buf)).isEqualTo("HTTP/1.1 200 OK\r\nServer: ringnet/0.1\r\n" + DATE
                + "Content-Type: application/json; charset=utf-8\r\n"
                + "Content-Length: 0\r\nContent-Length: 9223372036854775807\r\n"
                + "X-A: 1\t2\r\nX-B: caf\u00e9\r\n"
                + "Connection: close\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n" + DATE + "\r\n");
    }

    @Test
    void headerInjectionIsRefused() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, bytes("X"), bytes("a\r\nSet-Cookie: x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, "X", "a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, "X", "\u0100")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, "Bad Name", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, bytes("X:"), bytes("v"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.header(buf, "", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponseEncoder.contentType(buf, bytes("text/plain\r\n"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpResponseEncoder("evil\r\nX: y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpResponseEncoder(null).writeResponse(buf, 200, bytes("a\u0000"), HELLO, 0, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(buf.position()).isZero();
    }

    @Test
    void chunkHelpers() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        HttpResponseEncoder.chunkHeader(buf, 0);
        HttpResponseEncoder.chunkHeader(buf, 1);
        HttpResponseEncoder.chunkHeader(buf, 0xf);
        HttpResponseEncoder.chunkHeader(buf, 0x10);
        HttpResponseEncoder.chunkHeader(buf, 0xABCDEF);
        HttpResponseEncoder.chunkHeader(buf, Long.MAX_VALUE);
        HttpResponseEncoder.chunkEnd(buf);
        HttpResponseEncoder.chunk(buf, new byte[0]);
        HttpResponseEncoder.chunk(buf, ByteBuffer.allocate(0));
        HttpResponseEncoder.lastChunk(buf);
        assertThat(written(buf)).isEqualTo("0\r\n1\r\nf\r\n10\r\nabcdef\r\n7fffffffffffffff\r\n\r\n0\r\n\r\n");
        assertThatThrownBy(() -> HttpResponseEncoder.chunkHeader(buf, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** What the encoder writes as a chunked body, the parser reads back. */
    @Test
    void chunkedBodyRoundTripsThroughTheParser() {
        Random rnd = new Random(7);
        HttpResponseEncoder enc = new HttpResponseEncoder("ringnet");
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        buf.put(bytes("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            byte[] data = new byte[rnd.nextInt(300)];
            rnd.nextBytes(data);
            expected.append(new String(data, StandardCharsets.ISO_8859_1));
            if (i % 2 == 0) {
                HttpResponseEncoder.chunk(buf, data);
            } else {
                HttpResponseEncoder.chunk(buf, ByteBuffer.wrap(data));
            }
        }
        HttpResponseEncoder.chunkHeader(buf, 0);
        HttpResponseEncoder.header(buf, "X-Digest", "abc");
        HttpResponseEncoder.endHead(buf);
        Feed.Request r = Feed.run(Feed.bytesAt(buf, 0, buf.position()), HttpLimits.DEFAULT,
                new int[] {buf.position()}, false).only();
        assertThat(r.body()).isEqualTo(expected.toString());
        assertThat(r.trailers()).containsExactly("X-Digest: abc");
        // and a chunked head is well formed
        ByteBuffer head = ByteBuffer.allocate(256);
        enc.writeChunkedHead(head, 200, TEXT_PLAIN, HttpResponseEncoder.CONNECTION_DEFAULT, NOW);
        assertThat(written(head)).isEqualTo("HTTP/1.1 200 OK\r\nServer: ringnet\r\n" + DATE
                + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
    }

    @Test
    void byteBufferBodyKeepsItsPosition() {
        HttpResponseEncoder enc = new HttpResponseEncoder(null);
        ByteBuffer body = ByteBuffer.wrap(bytes("xxHello"));
        body.position(2);
        ByteBuffer buf = ByteBuffer.allocateDirect(256);
        assertThat(enc.writeResponse(buf, 200, null, body, 0, NOW)).isTrue();
        assertThat(body.position()).isEqualTo(2);
        assertThat(written(buf)).endsWith("Content-Length: 5\r\n\r\nHello");
    }

    @Test
    void preEncodedHelloWorld() {
        HttpResponseEncoder enc = new HttpResponseEncoder("ringnet");
        PreEncodedResponse hello = enc.preEncode(200, "text/plain", HELLO, HttpResponseEncoder.CONNECTION_DEFAULT);
        String head = "HTTP/1.1 200 OK\r\nServer: ringnet\r\n" + DATE
                + "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n";
        ByteBuffer buf = ByteBuffer.allocate(512);
        buf.put((byte) '#'); // not at index 0: the date slot is relative to the write position
        assertThat(hello.writeTo(buf, enc.date(), NOW)).isTrue();
        assertThat(written(buf)).isEqualTo("#" + head + "Hello, World!");
        assertThat(hello.length()).isEqualTo(head.length() + 13);
        assertThat(hello.headLength()).isEqualTo(head.length());
        assertThat(hello.hasDate()).isTrue();

        // the date moves on, the rest stays
        buf.clear();
        hello.writeHeadTo(buf, enc.date(), NOW + 61_000);
        assertThat(written(buf)).isEqualTo(head.replace("08:49:37", "08:50:38"));
        assertThat(new String(hello.toByteArray(), StandardCharsets.ISO_8859_1))
                .contains("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n");

        assertThat(hello.writeTo(ByteBuffer.allocate(hello.length() - 1), enc.date(), NOW)).isFalse();
        assertThat(hello.writeHeadTo(ByteBuffer.allocate(hello.headLength()), enc.date(), NOW)).isTrue();
    }

    @Test
    void preEncodedBuilder() {
        PreEncodedResponse noDate = PreEncodedResponse.builder(404)
                .header("Content-Type", "text/plain")
                .header("Connection", "close")
                .body(bytes("nope"))
                .build();
        ByteBuffer buf = ByteBuffer.allocate(256);
        assertThat(noDate.hasDate()).isFalse();
        assertThat(noDate.writeTo(buf, null, 0)).isTrue();
        assertThat(written(buf)).isEqualTo("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                + "Connection: close\r\nContent-Length: 4\r\n\r\nnope");

        PreEncodedResponse noContent = PreEncodedResponse.builder(204).date().build();
        buf.clear();
        noContent.writeTo(buf, new HttpDate(), NOW);
        assertThat(written(buf)).isEqualTo("HTTP/1.1 204 No Content\r\n" + DATE + "\r\n");

        PreEncodedResponse explicit = PreEncodedResponse.builder(200).header("content-length", "0").build();
        assertThat(new String(explicit.toByteArray(), StandardCharsets.ISO_8859_1))
                .isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");

        assertThatThrownBy(() -> PreEncodedResponse.builder(204).body(bytes("x")).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PreEncodedResponse.builder(200).date().date()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PreEncodedResponse.builder(200).header("X", "a\r\n")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PreEncodedResponse.builder(42)).isInstanceOf(IllegalArgumentException.class);
    }
}
