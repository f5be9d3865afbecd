package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringnet.http.Feed.Outcome;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each limit at its boundary, one byte under and one byte over. */
class HttpRequestParserLimitsTest {

    private static final HttpLimits D = HttpLimits.DEFAULT;

    /** Parses whole, byte by byte and in random pieces; all three must agree. */
    private static Outcome parse(String raw, HttpLimits limits) {
        byte[] input = bytes(raw);
        Outcome whole = Feed.run(input, limits, new int[] {input.length}, false);
        if (input.length <= 40_000) {
            assertThat(Feed.run(input, limits, Feed.byteByByte(input.length), true)).isEqualTo(whole);
        }
        assertThat(Feed.run(input, limits, Feed.randomCuts(input.length, new Random(input.length)), false))
                .isEqualTo(whole);
        return whole;
    }

    private static String requestLine(int length) {
        // "GET " + target + " HTTP/1.1" is length bytes
        return "GET /" + "a".repeat(length - 14) + " HTTP/1.1";
    }

    @Test
    void defaults() {
        assertThat(D.maxRequestLineLength()).isEqualTo(8192);
        assertThat(D.maxHeaderSectionLength()).isEqualTo(16384);
        assertThat(D.maxHeaderCount()).isEqualTo(100);
        assertThat(D.maxBodyLength()).isEqualTo(10L * 1024 * 1024);
        assertThat(D.maxChunkLineLength()).isEqualTo(4096);
        assertThat(D.withMaxHeaderCount(7).maxHeaderCount()).isEqualTo(7);
        assertThat(D.withMaxHeaderCount(7)).isEqualTo(D.withMaxHeaderCount(7)).hasSameHashCodeAs(D.withMaxHeaderCount(7));
        assertThat(D.withMaxHeaderCount(7)).isNotEqualTo(D);
        assertThat(D).hasToString("HttpLimits[maxRequestLineLength=8192, maxHeaderSectionLength=16384, "
                + "maxHeaderCount=100, maxBodyLength=10485760, maxChunkLineLength=4096]");
        assertThatThrownBy(() -> D.withMaxRequestLineLength(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> D.withMaxBodyLength(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(D.withMaxBodyLength(0).maxBodyLength()).isZero();
    }

    @Test
    void requestLineAtLimitIsAccepted() {
        String line = requestLine(8192);
        assertThat(line).hasSize(8192);
        assertThat(parse(line + "\r\nHost: h\r\n\r\n", D).only().target()).hasSize(8192 - 13);
        assertThat(parse(requestLine(8191) + "\r\nHost: h\r\n\r\n", D).errorStatus()).isZero();
    }

    @Test
    void requestLineOverLimitIs414() {
        Outcome o = parse(requestLine(8193) + "\r\nHost: h\r\n\r\n", D);
        assertThat(o.errorStatus()).isEqualTo(414);
        // the overflow may fall in the version after a long target: still the target's fault
        HttpLimits small = D.withMaxRequestLineLength(20);
        assertThat(parse("GET /abcdefg HTTP/1.1\r\nHost: h\r\n\r\n", small).errorStatus()).isEqualTo(414);
        assertThat(parse("GET /abcdef HTTP/1.1\r\nHost: h\r\n\r\n", small).only().target()).isEqualTo("/abcdef");
    }

    @Test
    void methodOverLimitIs501() {
        HttpLimits small = D.withMaxRequestLineLength(20);
        assertThat(parse("A".repeat(21) + " / HTTP/1.1\r\nHost: h\r\n\r\n", small).errorStatus()).isEqualTo(501);
        assertThat(parse("A".repeat(20) + " / HTTP/1.1\r\nHost: h\r\n\r\n", small).errorStatus()).isEqualTo(501);
        assertThat(parse("A".repeat(19) + " / HTTP/1.1\r\nHost: h\r\n\r\n", small).errorStatus()).isEqualTo(414);
    }

    @Test
    void emptyLinesBeforeRequestAreBounded() {
        HttpLimits small = D.withMaxRequestLineLength(16);
        assertThat(parse("\r\n".repeat(8) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", small).errorStatus()).isZero();
        assertThat(parse("\r\n".repeat(9) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", small).errorStatus()).isEqualTo(400);
    }

    /** A head whose header section (everything after the request line) is {@code length} bytes. */
    private static String headWithSection(int length) {
        // "Host: h\r\n" (9) + "X: " + value + "\r\n" (5 + n) + "\r\n" (2)
        return "GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(length - 16) + "\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(ints = {16383, 16384})
    void headerSectionAtLimitIsAccepted(int length) {
        assertThat(parse(headWithSection(length), D).only().headers()).hasSize(2);
    }

    @Test
    void headerSectionOverLimitIs431() {
        assertThat(parse(headWithSection(16385), D).errorStatus()).isEqualTo(431);
        // also when the excess is in the final empty line or in a name
        HttpLimits small = D.withMaxHeaderSectionLength(20);
        String line = "GET / HTTP/1.1\r\n";
        assertThat(parse(line + "Host: h\r\nX: 1234\r\n\r\n", small).errorStatus()).isZero(); // 9 + 9 + 2
        assertThat(parse(line + "Host: h\r\nX: 12345\r\n\r\n", small).errorStatus()).isEqualTo(431);
        assertThat(parse(line + "Host: h\r\nXXXXXXXXXXXXXXXXXXXXXX: 1\r\n\r\n", small).errorStatus()).isEqualTo(431);
    }

    private static String headWithFields(int count) {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i < count; i++) {
            sb.append("X-").append(i).append(": ").append(i).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Test
    void headerCountAtLimitIsAccepted() {
        assertThat(parse(headWithFields(99), D).only().headers()).hasSize(99);
        assertThat(parse(headWithFields(100), D).only().headers()).hasSize(100);
    }

    @Test
    void headerCountOverLimitIs431() {
        Outcome o = parse(headWithFields(101), D);
        assertThat(o.errorStatus()).isEqualTo(431);
        assertThat(o.errorReason()).isEqualTo("too many header fields");
    }

    @Test
    void trailersCountTowardsTheFieldLimitAndHaveTheirOwnSectionLimit() {
        HttpLimits three = D.withMaxHeaderCount(3).withMaxHeaderSectionLength(48);
        String head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"; // 2 header fields
        assertThat(parse(head + "0\r\nA: 1\r\n\r\n", three).only().trailers()).containsExactly("A: 1");
        assertThat(parse(head + "0\r\nA: 1\r\nB: 2\r\n\r\n", three).errorStatus()).isEqualTo(431);
        // trailer section: 46 bytes of field line + the final CRLF = 48
        HttpLimits one = D.withMaxHeaderSectionLength(48);
        String head1 = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(parse(head1 + "0\r\nT: " + "x".repeat(41) + "\r\n\r\n", one).errorStatus()).isZero();
        assertThat(parse(head1 + "0\r\nT: " + "x".repeat(42) + "\r\n\r\n", one).errorStatus()).isEqualTo(431);
    }

    @Test
    void contentLengthAtLimitIsAcceptedAndAboveIs413() {
        HttpRequestParser p = new HttpRequestParser();
        ByteBuffer buf = ByteBuffer.wrap(bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10485760\r\n\r\n"));
        assertThat(p.parse(buf, buf.limit())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        assertThat(p.contentLength()).isEqualTo(10485760);

        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10485761\r\n\r\n", D).errorStatus())
                .isEqualTo(413);
        HttpLimits small = D.withMaxBodyLength(5);
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", small).only().body())
                .isEqualTo("hello");
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nhello!", small).errorStatus())
                .isEqualTo(413);
        HttpLimits none = D.withMaxBodyLength(0);
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", none).errorStatus()).isZero();
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx", none).errorStatus()).isEqualTo(413);
    }

    @Test
    void chunkedTotalAtLimitIsAcceptedAndAboveIs413() {
        HttpLimits ten = D.withMaxBodyLength(10);
        String head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(parse(head + "4\r\nabcd\r\n6\r\nefghij\r\n0\r\n\r\n", ten).only().body()).isEqualTo("abcdefghij");
        assertThat(parse(head + "4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n", ten).errorStatus()).isZero();
        Outcome over = parse(head + "4\r\nabcd\r\n7\r\nefghijk\r\n0\r\n\r\n", ten);
        assertThat(over.errorStatus()).isEqualTo(413);
        // the real default: exactly 10 MiB in two chunks passes, one more byte fails
        String big = head + "500000\r\n" + "x".repeat(0x500000) + "\r\n500000\r\n" + "y".repeat(0x500000) + "\r\n";
        assertThat(Feed.whole(bytes(big + "0\r\n\r\n"), D).only().body()).hasSize(10 << 20);
        assertThat(Feed.whole(bytes(big + "1\r\nz\r\n0\r\n\r\n"), D).errorStatus()).isEqualTo(413);
    }

    @Test
    void chunkLineAtLimitIsAcceptedAndAboveIs400() {
        HttpLimits small = D.withMaxChunkLineLength(16);
        String head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        String ext16 = "1;abcdefghijklmn"; // 16 bytes
        assertThat(ext16).hasSize(16);
        assertThat(parse(head + ext16 + "\r\nx\r\n0\r\n\r\n", small).only().body()).isEqualTo("x");
        assertThat(parse(head + ext16 + "o\r\nx\r\n0\r\n\r\n", small).errorStatus()).isEqualTo(400);
        assertThat(parse(head + "0".repeat(16) + "1\r\nx\r\n0\r\n\r\n", small).errorStatus()).isEqualTo(400);
        assertThat(parse(head + "0".repeat(15) + "1\r\nx\r\n0\r\n\r\n", small).only().body()).isEqualTo("x");
    }
}
