package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Test driver: feeds input to a parser in given increments, the way a connection would receive
 * it, and records what the parser reported. Bytes not yet "received" hold poison (NUL, which is
 * invalid almost everywhere), so a parser that read past {@code end} would produce a different
 * outcome than for an unsplit feed.
 */
final class Feed {

    /** One parsed request, in comparable form. */
    record Request(
            int method,
            String methodName,
            String target,
            String query,
            int version,
            List<String> headers,
            List<String> trailers,
            String body,
            long contentLength,
            boolean chunked,
            boolean keepAlive,
            boolean expectContinue,
            int start,
            int end) {}

    /** Everything the parser reported for one input. */
    record Outcome(List<Request> requests, int errorStatus, String errorReason, boolean idleAtEnd) {

        Request only() {
            assertThat(errorStatus).as("error %s %s", errorStatus, errorReason).isZero();
            assertThat(requests).hasSize(1);
            return requests.getFirst();
        }
    }

    private Feed() {}

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static Outcome whole(String input) {
        return run(bytes(input), HttpLimits.DEFAULT, new int[] {input.length()}, false);
    }

    static Outcome whole(byte[] input, HttpLimits limits) {
        return run(input, limits, new int[] {input.length}, false);
    }

    static int[] byteByByte(int length) {
        int[] cuts = new int[length];
        for (int i = 0; i < length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    static int[] split(int length, int at) {
        return at == 0 || at == length ? new int[] {length} : new int[] {at, length};
    }

    static int[] randomCuts(int length, Random rnd) {
        int[] cuts = new int[length];
        int n = 0;
        int at = 0;
        while (at < length) {
            int step = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(Math.max(1, length / 3)) : 1 + rnd.nextInt(8);
            at = Math.min(length, at + step);
            cuts[n++] = at;
        }
        return Arrays.copyOf(cuts, n);
    }

    /**
     * Feeds {@code input} ending each read at the given cut points (increasing; the last must be
     * {@code input.length}), parsing after each.
     */
    static Outcome run(byte[] input, HttpLimits limits, int[] cuts, boolean direct) {
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(input.length + 8) : ByteBuffer.allocate(input.length + 8);
        HttpRequestParser parser = new HttpRequestParser(limits);
        List<Request> requests = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        long events = 0;
        long maxEvents = 3L * input.length + cuts.length + 16;
        int fed = 0;
        Request head = null;
        for (int cut : cuts) {
            buf.put(fed, input, fed, cut - fed);
            fed = cut;
            for (;;) {
                if (++events > maxEvents) {
                    fail("parser looped: more than %d events for %d bytes", maxEvents, input.length);
                }
                int r = parser.parse(buf, fed);
                assertThat(parser.position()).isBetween(parser.requestStart(), fed);
                if (r == HttpRequestParser.NEED_MORE) {
                    assertThat(parser.position()).as("NEED_MORE consumes everything").isEqualTo(fed);
                    break;
                }
                if (r == HttpRequestParser.ERROR) {
                    assertThat(parser.isError()).isTrue();
                    assertThat(parser.parse(buf, fed)).as("an error is final").isEqualTo(HttpRequestParser.ERROR);
                    return new Outcome(requests, parser.errorStatus(), parser.errorReason(), false);
                }
                switch (r) {
                    case HttpRequestParser.HEAD_COMPLETE -> {
                        assertThat(head).as("one HEAD_COMPLETE per request").isNull();
                        head = head(parser, buf);
                        body.setLength(0);
                    }
                    case HttpRequestParser.BODY_DATA -> {
                        assertThat(head).isNotNull();
                        assertThat(parser.bodyLength()).isPositive();
                        assertThat(parser.bodyOffset()).isGreaterThanOrEqualTo(parser.requestStart());
                        assertThat(parser.bodyOffset() + parser.bodyLength()).isLessThanOrEqualTo(fed);
                        for (int i = 0; i < parser.bodyLength(); i++) {
                            body.append((char) (buf.get(parser.bodyOffset() + i) & 0xFF));
                        }
                        assertThat(parser.bodyBytesReceived()).isEqualTo(body.length());
                    }
                    case HttpRequestParser.MESSAGE_COMPLETE -> {
                        assertThat(head).isNotNull();
                        assertThat(parser.parse(buf, fed)).as("complete is sticky").isEqualTo(HttpRequestParser.MESSAGE_COMPLETE);
                        List<String> trailers = new ArrayList<>();
                        for (int t = 0; t < parser.trailerCount(); t++) {
                            int i = parser.headerCount() + t;
                            trailers.add(parser.headerName(i) + ": " + parser.headerValue(i));
                        }
                        if (head.contentLength() >= 0) {
                            assertThat((long) body.length()).isEqualTo(head.contentLength());
                        }
                        requests.add(new Request(head.method(), head.methodName(), head.target(), head.query(),
                                head.version(), head.headers(), trailers, body.toString(), head.contentLength(),
                                head.chunked(), head.keepAlive(), head.expectContinue(), head.start(),
                                parser.position()));
                        head = null;
                        parser.nextRequest();
                    }
                    default -> fail("unexpected result " + r);
                }
            }
        }
        return new Outcome(requests, 0, null, parser.isIdle());
    }

    private static Request head(HttpRequestParser p, ByteBuffer buf) {
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < p.headerCount(); i++) {
            headers.add(p.headerName(i) + ": " + p.headerValue(i));
        }
        String target = p.target();
        String query = p.queryIndex() < 0 ? null : target.substring(p.queryIndex() - p.targetOffset() + 1);
        assertThat(p.methodName()).isEqualTo(new String(bytesAt(buf, p.methodOffset(), p.methodLength()),
                StandardCharsets.ISO_8859_1));
        return new Request(p.method(), p.methodName(), target, query, p.version(), headers, List.of(), null,
                p.contentLength(), p.isChunked(), p.keepAlive(), p.expectContinue(), p.requestStart(), -1);
    }

    static byte[] bytesAt(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b);
        return b;
    }
}
