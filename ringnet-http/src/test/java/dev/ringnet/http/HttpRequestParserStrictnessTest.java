package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.ringnet.http.Feed.Outcome;
import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every dangerous or malformed input is an ERROR result with the right status, whether the bytes
 * arrive at once or one by one, and the parser then refuses to continue.
 */
class HttpRequestParserStrictnessTest {

    private static final String L = "GET / HTTP/1.1\r\n";
    private static final String H = "Host: h\r\n";
    private static final String POST = "POST / HTTP/1.1\r\nHost: h\r\n";
    private static final String CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n";

    static Stream<Arguments> invalid() {
        return Stream.of(
                // ---- Content-Length ----
                arguments("CL repeated, same value", POST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
                arguments("CL repeated, different values", POST + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
                arguments("CL list of equal values", POST + "Content-Length: 5, 5\r\n\r\nhello", 400),
                arguments("CL list", POST + "Content-Length: 5,6\r\n\r\nhello", 400),
                arguments("CL negative", POST + "Content-Length: -1\r\n\r\n", 400),
                arguments("CL with sign", POST + "Content-Length: +5\r\n\r\nhello", 400),
                arguments("CL empty", POST + "Content-Length:\r\n\r\n", 400),
                arguments("CL with inner space", POST + "Content-Length: 1 2\r\n\r\n", 400),
                arguments("CL hex", POST + "Content-Length: 0x10\r\n\r\n", 400),
                arguments("CL huge", POST + "Content-Length: 99999999999999999999999999\r\n\r\n", 413),
                arguments("CL above max body", POST + "Content-Length: 10485761\r\n\r\n", 413),
                // ---- Transfer-Encoding ----
                arguments("TE and CL", POST + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
                arguments("CL and TE", POST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                arguments("TE unknown coding only", POST + "Transfer-Encoding: gzip\r\n\r\n", 400),
                arguments("TE identity", POST + "Transfer-Encoding: identity\r\n\r\n", 400),
                arguments("TE chunked not last", POST + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
                arguments("TE chunked not last, two lines",
                        POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                arguments("TE unknown coding before chunked", POST + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
                arguments("TE unknown coding before chunked, two lines",
                        POST + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
                arguments("TE coding with parameters before chunked",
                        POST + "Transfer-Encoding: foo;a=b, chunked\r\n\r\n", 501),
                arguments("TE chunked twice", POST + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400),
                arguments("TE chunked twice, two lines",
                        POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
                arguments("TE chunked with parameter", POST + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400),
                arguments("TE empty", POST + "Transfer-Encoding:\r\n\r\n", 400),
                arguments("TE only commas", POST + "Transfer-Encoding: , ,\r\n\r\n", 400),
                arguments("TE junk", POST + "Transfer-Encoding: chunked\"\r\n\r\n", 400),
                arguments("TE chunked-ish", POST + "Transfer-Encoding: xchunked\r\n\r\n", 400),
                arguments("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                // ---- header names ----
                arguments("space in name", L + H + "Bad Name: x\r\n\r\n", 400),
                arguments("whitespace before colon", L + H + "Foo : x\r\n\r\n", 400),
                arguments("tab before colon", L + H + "Foo\t: x\r\n\r\n", 400),
                arguments("quote in name", L + H + "Fo\"o: x\r\n\r\n", 400),
                arguments("paren in name", L + H + "Foo(: x\r\n\r\n", 400),
                arguments("at in name", L + H + "F@o: x\r\n\r\n", 400),
                arguments("slash in name", L + H + "F/o: x\r\n\r\n", 400),
                arguments("non-ASCII in name", L + H + "Caf\u00e9: x\r\n\r\n", 400),
                arguments("empty name", L + H + ": x\r\n\r\n", 400),
                arguments("NUL in name", L + H + "Fo\u0000o: x\r\n\r\n", 400),
                arguments("no colon", L + H + "Foo\r\n\r\n", 400),
                // ---- header values ----
                arguments("NUL in value", L + H + "Foo: a\u0000b\r\n\r\n", 400),
                arguments("SOH in value", L + H + "Foo: a\u0001b\r\n\r\n", 400),
                arguments("ESC in value", L + H + "Foo: a\u001bb\r\n\r\n", 400),
                arguments("DEL in value", L + H + "Foo: a\u007fb\r\n\r\n", 400),
                arguments("VT in value", L + H + "Foo: \u000b\r\n\r\n", 400),
                arguments("bare CR in value", L + H + "Foo: a\rb\r\n\r\n", 400),
                arguments("bare LF in value", L + H + "Foo: a\nb\r\n\r\n", 400),
                // ---- obs-fold and stray whitespace ----
                arguments("obs-fold with space", L + H + "Foo: a\r\n b\r\n\r\n", 400),
                arguments("obs-fold with tab", L + H + "Foo: a\r\n\tb\r\n\r\n", 400),
                arguments("whitespace before first field", L + " Host: h\r\n\r\n", 400),
                arguments("obs-fold in trailer", CHUNKED + "0\r\nX: a\r\n b\r\n\r\n", 400),
                // ---- line endings ----
                arguments("bare LF after request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", 400),
                arguments("bare LF after field", L + "Host: h\n\r\n", 400),
                arguments("bare LF ending section", L + H + "\n", 400),
                arguments("bare LF only lines", "GET / HTTP/1.1\nHost: h\n\n", 400),
                arguments("bare CR after request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 400),
                arguments("bare CR after field", L + "Host: h\rX: y\r\n\r\n", 400),
                arguments("bare CR ending section", L + H + "\r\r\n", 400),
                arguments("bare CR before request line", "\rGET / HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("bare LF before request line", "\nGET / HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("bare LF after chunk size", CHUNKED + "1\na\r\n0\r\n\r\n", 400),
                arguments("bare CR after chunk size", CHUNKED + "1\ra\r\n0\r\n\r\n", 400),
                // ---- Host ----
                arguments("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
                arguments("repeated Host", L + "Host: a\r\nHost: a\r\n\r\n", 400),
                arguments("repeated Host, different values", L + "Host: a\r\nHost: b\r\n\r\n", 400),
                arguments("repeated Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400),
                arguments("Host with space", L + "Host: a b\r\n\r\n", 400),
                arguments("Host with slash", L + "Host: a/b\r\n\r\n", 400),
                arguments("Host with userinfo", L + "Host: user@a\r\n\r\n", 400),
                // ---- request line ----
                arguments("invalid char in method", "G(ET / HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("empty method", " / HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("two spaces after method", "GET  / HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("space in target", "GET /a b HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("tab in target", "GET /a\tb HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("CTL in target", "GET /a\u0001 HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("DEL in target", "GET /a\u007f HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("non-ASCII in target", "GET /caf\u00e9 HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("quote in target", "GET /\"x\" HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("angle bracket in target", "GET /<script> HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("backslash in target", "GET /a\\b HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("pipe in target", "GET /a|b HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("brace in target", "GET /{id} HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("fragment in target", "GET /a#frag HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("target without slash", "GET index.html HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("asterisk with GET", "GET * HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("longer asterisk form", "OPTIONS *x HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("CONNECT with origin form", "CONNECT /x HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("CONNECT without port", "CONNECT example.com HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("bad scheme", "GET 1http://x/ HTTP/1.1\r\n" + H + "\r\n", 400),
                arguments("HTTP/0.9 request line", "GET /\r\n\r\n", 400),
                arguments("lower-case version", "GET / http/1.1\r\n" + H + "\r\n", 400),
                arguments("short version", "GET / HTTP/1\r\n" + H + "\r\n", 400),
                arguments("long version", "GET / HTTP/1.10\r\n" + H + "\r\n", 400),
                arguments("space after version", "GET / HTTP/1.1 \r\n" + H + "\r\n", 400),
                arguments("HTTP/2.0", "GET / HTTP/2.0\r\n" + H + "\r\n", 505),
                arguments("HTTP/0.9", "GET / HTTP/0.9\r\n" + H + "\r\n", 505),
                arguments("HTTP/3.0", "GET / HTTP/3.0\r\n" + H + "\r\n", 505),
                // ---- chunked framing ----
                arguments("chunk size not hex", CHUNKED + "g\r\n", 400),
                arguments("chunk size empty", CHUNKED + "\r\n", 400),
                arguments("chunk size negative", CHUNKED + "-1\r\n", 400),
                arguments("chunk size with 0x", CHUNKED + "0x1\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk size overflow 2^63", CHUNKED + "8000000000000000\r\n", 400),
                arguments("chunk size overflow 2^64", CHUNKED + "10000000000000000\r\n", 400),
                arguments("chunk size overflow long", CHUNKED + "ffffffffffffffffffffffff\r\n", 400),
                arguments("chunk size 2^63-1 beyond max body", CHUNKED + "7fffffffffffffff\r\n", 413),
                arguments("chunk beyond max body", CHUNKED + "a00001\r\n", 413),
                arguments("chunk data without CRLF", CHUNKED + "1\r\nab\r\n0\r\n\r\n", 400),
                arguments("chunk data with LF only", CHUNKED + "1\r\na\n0\r\n\r\n", 400),
                arguments("whitespace after chunk size", CHUNKED + "1 \r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension without name", CHUNKED + "1;=x\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension empty", CHUNKED + "1;\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension bad name", CHUNKED + "1;a(b\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension empty value", CHUNKED + "1;a=\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension unterminated quote", CHUNKED + "1;a=\"x\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension CTL in quote", CHUNKED + "1;a=\"x\u0001\"\r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension trailing space", CHUNKED + "1;a=b \r\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension bare LF", CHUNKED + "1;a\na\r\n0\r\n\r\n", 400),
                arguments("chunk extension junk after quote", CHUNKED + "1;a=\"b\"c\r\na\r\n0\r\n\r\n", 400),
                arguments("invalid trailer name", CHUNKED + "0\r\nBad Name: x\r\n\r\n", 400),
                arguments("CTL in trailer value", CHUNKED + "0\r\nX: \u0001\r\n\r\n", 400),
                arguments("last chunk without final CRLF", CHUNKED + "0\r\nX\r\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("invalid")
    void rejected(String name, String raw, int status) {
        byte[] input = bytes(raw);
        Outcome whole = Feed.run(input, HttpLimits.DEFAULT, new int[] {input.length}, false);
        assertThat(whole.errorStatus()).as("%s (%s)", name, whole.errorReason()).isEqualTo(status);
        assertThat(whole.errorReason()).isNotBlank();
        assertThat(whole.requests()).isEmpty();
        assertThat(Feed.run(input, HttpLimits.DEFAULT, Feed.byteByByte(input.length), true))
                .as("byte by byte").isEqualTo(whole);
    }

    @Test
    void validCounterpartsAreAccepted() {
        // near misses of the cases above that are legal
        assertThat(Feed.whole(POST + "Content-Length: 005\r\n\r\nhello").only().body()).isEqualTo("hello");
        assertThat(Feed.whole(POST + "Content-Length:  5 \r\n\r\nhello").only().body()).isEqualTo("hello");
        assertThat(Feed.whole(POST + "Transfer-Encoding: ,chunked , \r\n\r\n0\r\n\r\n").only().chunked()).isTrue();
        assertThat(Feed.whole(L + "Host:\r\n\r\n").only().headers()).containsExactly("Host: ");
        assertThat(Feed.whole(L + "Host: [2001:db8::1]:8080\r\n\r\n").only().headers())
                .containsExactly("Host: [2001:db8::1]:8080");
        assertThat(Feed.whole("GET / HTTP/1.0\r\n\r\n").errorStatus()).isZero();
        assertThat(Feed.whole(L + H + "X-Tab:\ta\tb\t\r\n\r\n").only().headers()).contains("X-Tab: a\tb");
        assertThat(Feed.whole(L + H + "!#$%&'*+-.^_`|~09azAZ: x\r\n\r\n").errorStatus()).isZero();
        assertThat(Feed.whole("GET /a-._~!$&'()*+,;=:@/?%20[] HTTP/1.1\r\n" + H + "\r\n").errorStatus()).isZero();
        assertThat(Feed.whole(CHUNKED + "1;a;b=c;d=\"\\\"\\\\\";e = f\r\nx\r\n0\r\n\r\n").only().body()).isEqualTo("x");
        assertThat(Feed.whole(CHUNKED + "1\t;\ta\t=\t\"\t\"\r\nx\r\n0\r\n\r\n").only().body()).isEqualTo("x");
        assertThat(Feed.whole(CHUNKED + "7ffff\r\n").errorStatus()).as("under the 10 MiB limit").isZero();
    }

    @Test
    void errorsAreDetectedAsEarlyAsPossible() {
        // a 431 or 414 must not wait for the rest of an oversized head
        HttpRequestParser p = new HttpRequestParser(HttpLimits.DEFAULT.withMaxRequestLineLength(32));
        ByteBuffer buf = ByteBuffer.wrap(bytes("GET /" + "a".repeat(40)));
        assertThat(p.parse(buf, buf.limit())).isEqualTo(HttpRequestParser.ERROR);
        assertThat(p.errorStatus()).isEqualTo(414);
        // the smuggling case is refused right at the second Content-Length line
        p = new HttpRequestParser();
        buf = ByteBuffer.wrap(bytes(POST + "Content-Length: 1\r\nContent-Length: 2\r\n"));
        assertThat(p.parse(buf, buf.limit())).isEqualTo(HttpRequestParser.ERROR);
        assertThat(p.errorReason()).isEqualTo("repeated Content-Length");
    }

    @Test
    void errorIsFinalAndRequestsBeforeItStand() {
        String raw = "GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET /bad HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n";
        Outcome o = Feed.whole(raw);
        assertThat(o.requests()).extracting(Feed.Request::target).containsExactly("/ok");
        assertThat(o.errorStatus()).isEqualTo(400);
        assertThat(o.errorReason()).isEqualTo("repeated Host");
    }
}
