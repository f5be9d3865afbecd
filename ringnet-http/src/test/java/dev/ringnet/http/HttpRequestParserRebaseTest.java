package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpRequestParser#retainFrom()} and {@link HttpRequestParser#rebase(int)}: parsing each
 * received chunk in its own buffer (as a server does in buffers its loop lends) and carrying over
 * only the bytes the parser still needs gives the same requests as parsing everything in one
 * buffer, however the input is cut.
 */
class HttpRequestParserRebaseTest {

    private static final String INPUT =
            "GET /plaintext?x=1 HTTP/1.1\r\nHost: a.example\r\nUser-Agent: test/1.0\r\nAccept: */*\r\n\r\n"
            + "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
            + "PUT /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\nX-Other: yes\r\n\r\n"
            + "\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            + "DELETE /items/7 HTTP/1.1\r\nHost: a\r\nX-Long: " + "v".repeat(300) + "\r\n\r\n";

    /** What a server would record: heads read at HEAD_COMPLETE, bodies, trailers read at the end. */
    private static List<String> events(HttpRequestParser p, ByteBuffer buf, int end, List<String> out, StringBuilder body) {
        for (;;) {
            int r = p.parse(buf, end);
            switch (r) {
                case HttpRequestParser.NEED_MORE -> {
                    return out;
                }
                case HttpRequestParser.HEAD_COMPLETE -> {
                    StringBuilder h = new StringBuilder(p.methodName() + " " + p.target());
                    for (int i = 0; i < p.headerCount(); i++) {
                        h.append(" | ").append(p.headerName(i)).append('=').append(p.headerValue(i));
                    }
                    out.add(h.toString());
                    body.setLength(0);
                }
                case HttpRequestParser.BODY_DATA -> {
                    for (int i = 0; i < p.bodyLength(); i++) {
                        body.append((char) buf.get(p.bodyOffset() + i));
                    }
                }
                case HttpRequestParser.MESSAGE_COMPLETE -> {
                    StringBuilder t = new StringBuilder("body=" + body);
                    for (int i = 0; i < p.trailerCount(); i++) {
                        int f = p.headerCount() + i;
                        t.append(" | ").append(p.headerName(f)).append('=').append(p.headerValue(f));
                    }
                    out.add(t.toString());
                    p.nextRequest();
                }
                default -> throw new AssertionError(p.errorReason());
            }
        }
    }

    @Test
    void chunksInSeparateBuffersGiveTheSameRequests() {
        byte[] input = bytes(INPUT);
        List<String> expected = events(new HttpRequestParser(), ByteBuffer.wrap(input), input.length,
                new ArrayList<>(), new StringBuilder());
        assertThat(expected).hasSize(10);
        for (int seed = 0; seed < 300; seed++) {
            Random rnd = new Random(seed);
            HttpRequestParser p = new HttpRequestParser();
            List<String> got = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            ByteBuffer tail = null;
            int tailEnd = 0;
            int maxTail = 0;
            for (int at = 0; at < input.length; ) {
                int n = Math.min(input.length - at, seed % 3 == 0 ? 1 + rnd.nextInt(4) : 1 + rnd.nextInt(120));
                int offset = rnd.nextInt(16);
                ByteBuffer lent = ByteBuffer.allocate(offset + n + rnd.nextInt(8));
                lent.put(offset, input, at, n).position(offset).limit(offset + n);
                at += n;
                if (tail == null) {
                    p.rebase(offset);
                    events(p, lent, offset + n, got, body);
                    int keep = p.retainFrom();
                    if (keep < offset + n) {
                        tail = ByteBuffer.allocate(1024);
                        tail.put(0, lent, keep, offset + n - keep);
                        tailEnd = offset + n - keep;
                        p.shift(keep);
                    }
                } else {
                    tail.put(tailEnd, lent, offset, n);
                    tailEnd += n;
                    events(p, tail, tailEnd, got, body);
                    int keep = p.retainFrom();
                    if (keep == tailEnd) {
                        tail = null;
                        tailEnd = 0;
                    } else {
                        tail.put(0, tail.duplicate(), keep, tailEnd - keep);
                        p.shift(keep);
                        tailEnd -= keep;
                    }
                }
                maxTail = Math.max(maxTail, tailEnd);
            }
            assertThat(got).as("seed %d", seed).isEqualTo(expected);
            assertThat(maxTail).as("only incomplete heads are carried over").isLessThan(420);
        }
    }

    @Test
    void retainFromFollowsTheElementInProgress() {
        HttpRequestParser p = new HttpRequestParser();
        ByteBuffer b = ByteBuffer.wrap(bytes(INPUT));
        assertThat(p.parse(b, 10)).isEqualTo(HttpRequestParser.NEED_MORE);
        assertThat(p.retainFrom()).as("head incomplete: from the request start").isZero();
        assertThatThrownBy(() -> p.rebase(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> p.rebase(-1)).isInstanceOf(IllegalArgumentException.class);
        int headEnd = INPUT.indexOf("\r\n\r\n") + 4;
        assertThat(p.parse(b, headEnd)).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(p.parse(b, headEnd)).isEqualTo(HttpRequestParser.MESSAGE_COMPLETE);
        p.nextRequest();
        assertThat(p.retainFrom()).as("between requests: nothing before the position").isEqualTo(headEnd);
        p.rebase(5);
        assertThat(p.position()).isEqualTo(5);
        assertThat(p.requestStart()).isEqualTo(5);
    }
}
