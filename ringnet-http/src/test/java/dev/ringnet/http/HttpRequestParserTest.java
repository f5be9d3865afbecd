package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.http.Feed.Outcome;
import dev.ringnet.http.Feed.Request;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Valid requests: what the parser reports, however the bytes arrive. */
class HttpRequestParserTest {

    private static final byte[] USER_AGENT = bytes("user-agent");
    private static final byte[] ACCEPT = bytes("Accept");

    @Test
    void getWithHeaders() {
        String raw = "GET /index.html?q=1&r=%20x HTTP/1.1\r\n"
                + "Host: example.com:8080\r\n"
                + "User-Agent: curl/8.5.0\r\n"
                + "Accept: */*\r\n"
                + "X-Empty:\r\n"
                + "X-Spaces: \t padded value \t \r\n"
                + "\r\n";
        ByteBuffer buf = ByteBuffer.wrap(bytes(raw));
        HttpRequestParser p = new HttpRequestParser();

        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);

        assertThat(p.method()).isEqualTo(HttpMethod.GET);
        assertThat(p.methodOffset()).isZero();
        assertThat(p.methodLength()).isEqualTo(3);
        assertThat(p.target()).isEqualTo("/index.html?q=1&r=%20x");
        assertThat(p.targetOffset()).isEqualTo(4);
        assertThat(p.queryIndex()).isEqualTo(4 + "/index.html".length());
        assertThat(p.version()).isEqualTo(HttpRequestParser.VERSION_1_1);
        assertThat(p.headerCount()).isEqualTo(5);
        assertThat(p.headerName(1)).isEqualTo("User-Agent");
        assertThat(p.headerValue(1)).isEqualTo("curl/8.5.0");
        assertThat(p.headerValue(3)).isEmpty();
        assertThat(p.headerValueLength(3)).isZero();
        assertThat(p.headerValue(4)).isEqualTo("padded value");
        assertThat(p.hostIndex()).isZero();
        assertThat(p.contentLength()).isZero();
        assertThat(p.hasBody()).isFalse();
        assertThat(p.isChunked()).isFalse();
        assertThat(p.keepAlive()).isTrue();
        assertThat(p.expectContinue()).isFalse();

        // allocation-free lookups
        assertThat(p.findHeader(USER_AGENT)).isEqualTo(1);
        assertThat(p.findHeader(ACCEPT)).isEqualTo(2);
        assertThat(p.findHeader(bytes("accept-encoding"))).isEqualTo(-1);
        assertThat(p.findHeader(ACCEPT, 3)).isEqualTo(-1);
        assertThat(p.headerNameEquals(1, bytes("USER-AGENT"))).isTrue();
        assertThat(p.headerNameEquals(1, bytes("user-agen"))).isFalse();
        assertThat(p.headerValueEquals(1, bytes("curl/8.5.0"))).isTrue();
        assertThat(p.headerValueEquals(1, bytes("CURL/8.5.0"))).isFalse();
        assertThat(p.headerValueEqualsIgnoreCase(1, bytes("CURL/8.5.0"))).isTrue();
        assertThat(HttpRequestParser.regionEquals(buf, p.targetOffset(), p.queryIndex() - p.targetOffset(),
                bytes("/index.html"))).isTrue();
        assertThat(HttpRequestParser.regionEqualsIgnoreCase(buf, p.headerNameOffset(0), p.headerNameLength(0),
                bytes("HOST"))).isTrue();
        // the allocating convenience
        assertThat(p.header("host")).isEqualTo("example.com:8080");
        assertThat(p.header("ACCEPT")).isEqualTo("*/*");
        assertThat(p.header("missing")).isNull();

        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.MESSAGE_COMPLETE);
        assertThat(p.position()).isEqualTo(raw.length());
        assertThat(p.isComplete()).isTrue();
    }

    @Test
    void caseInsensitiveComparisonDoesNotFoldNonLetters() {
        // '^' (0x5E) and '~' (0x7E) differ only in bit 0x20, like 'A' and 'a'
        Request r = Feed.whole("GET / HTTP/1.1\r\nHost: h\r\nX-^: 1\r\n\r\n").only();
        assertThat(r.headers()).contains("X-^: 1");
        String raw = "GET / HTTP/1.1\r\nHost: h\r\nX-^: 1\r\n\r\n";
        HttpRequestParser p = new HttpRequestParser();
        p.parse(ByteBuffer.wrap(bytes(raw)), raw.length());
        assertThat(p.findHeader(bytes("x-~"))).isEqualTo(-1);
        assertThat(p.findHeader(bytes("x-^"))).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({
        "GET, 1", "HEAD, 2", "POST, 3", "PUT, 4", "DELETE, 5", "OPTIONS, 6", "PATCH, 7", "TRACE, 8",
        "get, 0", "PURGE, 0", "M-SEARCH, 0", "GETS, 0", "GE, 0"
    })
    void methods(String method, int code) {
        Request r = Feed.whole(method + " /x HTTP/1.1\r\nHost: h\r\n\r\n").only();
        assertThat(r.method()).isEqualTo(code);
        assertThat(r.methodName()).isEqualTo(code == HttpMethod.EXTENSION ? method : HttpMethod.name(code));
    }

    @Test
    void targetForms() {
        assertThat(Feed.whole("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").only().method())
                .isEqualTo(HttpMethod.CONNECT);
        assertThat(Feed.whole("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n").only().target())
                .isEqualTo("[::1]:443");
        assertThat(Feed.whole("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").only().target()).isEqualTo("*");
        Request abs = Feed.whole("GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n").only();
        assertThat(abs.target()).isEqualTo("http://example.com/a?b");
        assertThat(abs.query()).isEqualTo("b");
        assertThat(Feed.whole("GET /p?a?b:c@d HTTP/1.1\r\nHost: h\r\n\r\n").only().query()).isEqualTo("a?b:c@d");
    }

    @Test
    void headRequest() {
        Request r = Feed.whole("HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n").only();
        assertThat(r.method()).isEqualTo(HttpMethod.HEAD);
        assertThat(r.body()).isEmpty();
        assertThat(r.contentLength()).isZero();
    }

    @Test
    void http10WithoutKeepAliveCloses() {
        Request r = Feed.whole("GET / HTTP/1.0\r\n\r\n").only();
        assertThat(r.version()).isEqualTo(HttpRequestParser.VERSION_1_0);
        assertThat(r.keepAlive()).isFalse();
        assertThat(r.headers()).isEmpty();
    }

    @Test
    void http10WithKeepAliveKeeps() {
        Request r = Feed.whole("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: h\r\n\r\n").only();
        assertThat(r.version()).isEqualTo(HttpRequestParser.VERSION_1_0);
        assertThat(r.keepAlive()).isTrue();
        assertThat(Feed.whole("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").only().keepAlive()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "close | false",
        "Close | false",
        "keep-alive | true",
        "Upgrade, close | false",
        "upgrade , CLOSE ,| false",
        "Upgrade | true",
        "'' | true",
    })
    void http11Connection(String value, boolean keepAlive) {
        Request r = Feed.whole("GET / HTTP/1.1\r\nHost: h\r\nConnection: " + value + "\r\n\r\n").only();
        assertThat(r.keepAlive()).isEqualTo(keepAlive);
    }

    @Test
    void http1xAbove1IsHandledAs11() {
        assertThat(Feed.whole("GET / HTTP/1.7\r\nHost: h\r\n\r\n").only().version())
                .isEqualTo(HttpRequestParser.VERSION_1_1);
    }

    @Test
    void expectContinue() {
        String raw = "PUT /up HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n";
        ByteBuffer buf = ByteBuffer.allocate(256);
        buf.put(bytes(raw));
        HttpRequestParser p = new HttpRequestParser();
        assertThat(p.parse(buf)).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(p.expectContinue()).isTrue();
        // the server answers 100 Continue, then the client sends the body
        assertThat(p.parse(buf)).isEqualTo(HttpRequestParser.NEED_MORE);
        buf.put(bytes("abc"));
        assertThat(p.parse(buf)).isEqualTo(HttpRequestParser.BODY_DATA);
        assertThat(p.bodyLength()).isEqualTo(3);
        assertThat(p.parse(buf)).isEqualTo(HttpRequestParser.MESSAGE_COMPLETE);

        assertThat(Feed.whole("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").only().expectContinue())
                .as("ignored in HTTP/1.0").isFalse();
        assertThat(Feed.whole("GET / HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\n\r\n").only().expectContinue())
                .isFalse();
    }

    @Test
    void emptyLinesBeforeRequestLineAreIgnored() {
        Request r = Feed.whole("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").only();
        assertThat(r.target()).isEqualTo("/");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void postBodySplitAtEveryPoint(boolean direct) {
        String body = "name=ringnet&kind=runtime&payload=0123456789";
        String raw = "POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
        byte[] input = bytes(raw);
        Outcome expected = Feed.run(input, HttpLimits.DEFAULT, new int[] {input.length}, direct);
        Request r = expected.only();
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.contentLength()).isEqualTo(body.length());
        assertThat(r.end()).isEqualTo(input.length);
        for (int at = 0; at <= input.length; at++) {
            assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.split(input.length, at), direct))
                    .as("split at %d", at).isEqualTo(expected);
        }
        assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.byteByByte(input.length), direct)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void chunkedBodyWithExtensionsAndTrailersSplitAtEveryPoint(boolean direct) {
        String raw = "POST /upload HTTP/1.1\r\n"
                + "Host: h\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "Trailer: X-Checksum\r\n"
                + "\r\n"
                + "5;name=value\r\nHello\r\n"
                + "1A ; a = \"quoted \\\" ; value\" ;b;c=d\t;e\r\n" + "abcdefghijklmnopqrstuvwxyz\r\n"
                + "000b\r\n, Chunked!!\r\n"
                + "0;last\r\n"
                + "X-Checksum: 1234\r\n"
                + "X-Other:  t \r\n"
                + "\r\n";
        byte[] input = bytes(raw);
        Outcome expected = Feed.run(input, HttpLimits.DEFAULT, new int[] {input.length}, direct);
        Request r = expected.only();
        assertThat(r.chunked()).isTrue();
        assertThat(r.contentLength()).isEqualTo(-1);
        assertThat(r.body()).isEqualTo("Hello" + "abcdefghijklmnopqrstuvwxyz" + ", Chunked!!");
        assertThat(r.trailers()).containsExactly("X-Checksum: 1234", "X-Other: t");
        assertThat(r.end()).isEqualTo(input.length);
        for (int at = 0; at <= input.length; at++) {
            assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.split(input.length, at), direct))
                    .as("split at %d", at).isEqualTo(expected);
        }
        assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.byteByByte(input.length), direct)).isEqualTo(expected);
    }

    @Test
    void trailerLookup() {
        String raw = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\nX-Sum: 7\r\n\r\n";
        ByteBuffer buf = ByteBuffer.wrap(bytes(raw));
        HttpRequestParser p = new HttpRequestParser();
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.MESSAGE_COMPLETE);
        assertThat(p.trailerCount()).isEqualTo(1);
        assertThat(p.findTrailer(bytes("x-sum"))).isEqualTo(p.headerCount());
        assertThat(p.findHeader(bytes("x-sum"))).isEqualTo(-1);
        assertThat(p.headerValue(p.findTrailer(bytes("x-sum")))).isEqualTo("7");
        assertThat(p.hasBody()).isTrue();
        assertThat(p.bodyBytesReceived()).isZero();
    }

    @Test
    void chunkSizesAreCaseInsensitiveHexWithLeadingZeros() {
        String raw = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
                + "0000000000000000000000000000000A\r\n0123456789\r\n"
                + "a\r\n0123456789\r\n"
                + "00\r\n\r\n";
        assertThat(Feed.whole(raw).only().body()).isEqualTo("01234567890123456789");
    }

    @Test
    void pipelinedRequestsInOneBuffer() {
        String get = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
        String post = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody";
        String chunked = "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        String head = "HEAD /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        String raw = get + post + chunked + head;
        byte[] input = bytes(raw);
        Outcome all = Feed.run(input, HttpLimits.DEFAULT, new int[] {input.length}, false);
        assertThat(all.errorStatus()).isZero();
        List<Request> rs = all.requests();
        assertThat(rs).extracting(Request::target).containsExactly("/a", "/b", "/c", "/d");
        assertThat(rs).extracting(Request::body).containsExactly("", "body", "abc", "");
        assertThat(rs).extracting(Request::keepAlive).containsExactly(true, true, true, false);
        assertThat(rs.get(0).start()).isZero();
        assertThat(rs.get(0).end()).isEqualTo(get.length());
        assertThat(rs.get(1).start()).isEqualTo(get.length());
        assertThat(rs.get(2).start()).isEqualTo(get.length() + post.length());
        assertThat(rs.get(3).end()).isEqualTo(raw.length());
        assertThat(all.idleAtEnd()).isTrue();
        for (int at = 0; at <= input.length; at++) {
            assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.split(input.length, at), at % 2 == 0))
                    .as("split at %d", at).isEqualTo(all);
        }
        assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.byteByByte(input.length), true)).isEqualTo(all);
    }

    @Test
    void pipelinedRequestAfterAnIncompleteOneWaits() {
        String raw = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHo";
        ByteBuffer buf = ByteBuffer.wrap(bytes(raw));
        HttpRequestParser p = new HttpRequestParser();
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.MESSAGE_COMPLETE);
        int end1 = p.position();
        p.nextRequest();
        assertThat(p.requestStart()).isEqualTo(end1);
        assertThat(p.isIdle()).isTrue();
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.NEED_MORE);
        assertThat(p.isIdle()).isFalse();
        assertThat(p.position()).isEqualTo(raw.length());
    }

    @Test
    void shiftAfterCompactingKeepsParsing() {
        // a fixed 64-byte buffer in fill mode; the server compacts whenever it is full
        String first = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
        String second = "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 40\r\n\r\n"
                + "0123456789012345678901234567890123456789";
        byte[] input = bytes(first + second);
        ByteBuffer buf = ByteBuffer.allocate(64);
        HttpRequestParser p = new HttpRequestParser();
        StringBuilder body = new StringBuilder();
        StringBuilder targets = new StringBuilder();
        int sent = 0;
        int completed = 0;
        while (completed < 2) {
            int n = Math.min(buf.remaining(), Math.min(7, input.length - sent));
            buf.put(input, sent, n);
            sent += n;
            boolean progress = true;
            while (progress) {
                switch (p.parse(buf)) {
                    case HttpRequestParser.HEAD_COMPLETE -> targets.append(p.target()).append(' ');
                    case HttpRequestParser.BODY_DATA -> body.append(new String(
                            Feed.bytesAt(buf, p.bodyOffset(), p.bodyLength()), StandardCharsets.ISO_8859_1));
                    case HttpRequestParser.MESSAGE_COMPLETE -> {
                        completed++;
                        p.nextRequest();
                    }
                    case HttpRequestParser.NEED_MORE -> progress = false;
                    default -> throw new AssertionError(p.errorReason());
                }
            }
            if (!buf.hasRemaining()) {
                // discard what the parser no longer needs: everything before the current request
                // while in the head, everything parsed once the body streams
                int discard = p.hasBody() ? p.position() : p.requestStart();
                buf.flip().position(discard);
                buf.compact();
                p.shift(discard);
            }
        }
        assertThat(targets.toString()).isEqualTo("/one /two ");
        assertThat(body.toString()).isEqualTo("0123456789012345678901234567890123456789");
        assertThatThrownBy(() -> p.shift(p.position() + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nextRequestBeforeCompletionIsAnError() {
        HttpRequestParser p = new HttpRequestParser();
        String raw = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab";
        ByteBuffer buf = ByteBuffer.wrap(bytes(raw));
        assertThatThrownBy(p::nextRequest).isInstanceOf(IllegalStateException.class);
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(p.isComplete()).isFalse();
        assertThatThrownBy(p::nextRequest).isInstanceOf(IllegalStateException.class);
        assertThat(p.parse(buf, raw.length())).isEqualTo(HttpRequestParser.BODY_DATA);
        assertThat(p.isComplete()).as("the body is all there").isTrue();
        // a request without a body is complete as soon as its head is
        String get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        HttpRequestParser q = new HttpRequestParser();
        assertThat(q.parse(ByteBuffer.wrap(bytes(get)), get.length())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(q.isComplete()).isTrue();
        q.nextRequest();
        assertThat(q.requestStart()).isEqualTo(get.length());
    }

    @Test
    void endBeforePositionIsRejected() {
        HttpRequestParser p = new HttpRequestParser();
        ByteBuffer buf = ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\n"));
        p.parse(buf, 10);
        assertThatThrownBy(() -> p.parse(buf, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.parse(buf, 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resetClearsAnError() {
        HttpRequestParser p = new HttpRequestParser();
        ByteBuffer bad = ByteBuffer.wrap(bytes("GET / HTTP/1.1\nHost: h\r\n\r\n"));
        assertThat(p.parse(bad, bad.limit())).isEqualTo(HttpRequestParser.ERROR);
        p.nextRequest(); // refuses silently: still failed
        assertThat(p.parse(bad, bad.limit())).isEqualTo(HttpRequestParser.ERROR);
        assertThat(p.keepAlive()).isFalse();
        p.reset();
        assertThat(p.isError()).isFalse();
        assertThat(p.errorStatus()).isZero();
        ByteBuffer good = ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertThat(p.parse(good, good.limit())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
    }

    @Test
    void manyHeadersGrowTheTableOnce() {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < 99; i++) {
            sb.append("X-H").append(i).append(": v").append(i).append("\r\n");
        }
        Request r = Feed.whole(sb.append("\r\n").toString()).only();
        assertThat(r.headers()).hasSize(100);
        assertThat(r.headers().get(99)).isEqualTo("X-H98: v98");
    }

    @Test
    void valuesMayContainObsTextAndTabs() {
        Request r = Feed.whole("GET / HTTP/1.1\r\nHost: h\r\nX-Latin: caf\u00e9\tau lait\r\n\r\n").only();
        assertThat(r.headers()).contains("X-Latin: caf\u00e9\tau lait");
    }
}
