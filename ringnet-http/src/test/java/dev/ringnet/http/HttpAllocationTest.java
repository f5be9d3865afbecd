package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hot-path promise: once warmed up, parsing requests and encoding responses allocate
 * nothing on the calling thread. Measured with the thread's allocation counter, taking the best
 * of several rounds so that a one-off event (a JIT deoptimization, say) cannot fail the test but
 * a per-request allocation would.
 */
class HttpAllocationTest {

    private static final byte[] USER_AGENT = bytes("user-agent");
    private static final byte[] ACCEPT = bytes("accept");
    private static final byte[] PLAINTEXT = bytes("/plaintext");
    private static final byte[] TEXT_PLAIN = bytes("text/plain");
    private static final byte[] HELLO = bytes("Hello, World!");
    private static final byte[] X_TRACE = bytes("X-Trace");
    private static final byte[] TRACE_VALUE = bytes("abc123");

    private static final String PIPELINE =
            "GET /plaintext HTTP/1.1\r\n"
            + "Host: server.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n"
            + "POST /submit?x=1 HTTP/1.1\r\n"
            + "Host: server.example.com\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: 27\r\n"
            + "Expect: 100-continue\r\n"
            + "\r\n"
            + "{\"name\":\"ringnet\",\"n\":1234}"
            + "PUT /upload HTTP/1.1\r\n"
            + "Host: server.example.com\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "\r\n"
            + "5;ext=\"v\"\r\nhello\r\n"
            + "6\r\n world\r\n"
            + "0\r\n"
            + "X-Checksum: 42\r\n"
            + "\r\n"
            + "GET / HTTP/1.0\r\n\r\n";

    private static final int REQUESTS_PER_PIPELINE = 4;

    private long checksum;

    /** Parses the whole pipeline, first with half of it received, then the rest. */
    private int parsePipeline(HttpRequestParser p, ByteBuffer buf, int end) {
        p.reset();
        int completed = 0;
        for (int e = end / 2; ; e = end) { // half of it received, then the rest
            for (;;) {
                int r = p.parse(buf, e);
                if (r == HttpRequestParser.NEED_MORE) {
                    break;
                }
                switch (r) {
                    case HttpRequestParser.HEAD_COMPLETE -> {
                        checksum += p.method() + p.targetLength() + p.headerCount() + p.findHeader(USER_AGENT)
                                + p.findHeader(ACCEPT) + (p.keepAlive() ? 1 : 0) + (p.expectContinue() ? 2 : 0);
                        if (HttpRequestParser.regionEquals(buf, p.targetOffset(), p.targetLength(), PLAINTEXT)) {
                            checksum++;
                        }
                    }
                    case HttpRequestParser.BODY_DATA -> checksum += buf.get(p.bodyOffset()) + p.bodyLength();
                    case HttpRequestParser.MESSAGE_COMPLETE -> {
                        checksum += p.trailerCount();
                        completed++;
                        p.nextRequest();
                    }
                    default -> throw new AssertionError(p.errorReason());
                }
            }
            if (e == end) {
                return completed;
            }
        }
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void steadyStateParsingAllocatesNothing(boolean direct) {
        byte[] input = bytes(PIPELINE);
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(input.length) : ByteBuffer.allocate(input.length);
        buf.put(input);
        HttpRequestParser p = new HttpRequestParser();
        assertThat(parsePipeline(p, buf, input.length)).isEqualTo(REQUESTS_PER_PIPELINE);

        long bestPerRound = measure(() -> {
            for (int i = 0; i < 5_000; i++) {
                parsePipeline(p, buf, input.length);
            }
        });
        System.out.printf("parser (direct=%s): %d bytes allocated for %d requests%n",
                direct, bestPerRound, 5_000 * REQUESTS_PER_PIPELINE);
        assertThat(bestPerRound).isZero();
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void steadyStateEncodingAllocatesNothing(boolean direct) {
        HttpResponseEncoder encoder = new HttpResponseEncoder("ringnet");
        PreEncodedResponse hello = encoder.preEncode(200, "text/plain", HELLO, HttpResponseEncoder.CONNECTION_DEFAULT);
        ByteBuffer out = direct ? ByteBuffer.allocateDirect(4096) : ByteBuffer.allocate(4096);
        ByteBuffer body = ByteBuffer.wrap(HELLO);
        long[] now = {1_700_000_000_000L};
        Runnable round = () -> {
            for (int i = 0; i < 20_000; i++) {
                now[0] += 250; // a new second every fourth response: exercises the date cache refresh
                out.clear();
                encoder.writeResponse(out, 200, TEXT_PLAIN, HELLO, HttpResponseEncoder.CONNECTION_DEFAULT, now[0]);
                encoder.writeResponse(out, 404, null, body, HttpResponseEncoder.CONNECTION_CLOSE, now[0]);
                hello.writeTo(out, encoder.date(), now[0]);
                hello.writeHeadTo(out, encoder.date(), now[0]);
                encoder.writeChunkedHead(out, 200, TEXT_PLAIN, HttpResponseEncoder.CONNECTION_KEEP_ALIVE, now[0]);
                HttpResponseEncoder.chunk(out, HELLO);
                HttpResponseEncoder.chunk(out, body);
                HttpResponseEncoder.chunkHeader(out, 0);
                HttpResponseEncoder.header(out, X_TRACE, TRACE_VALUE);
                HttpResponseEncoder.header(out, "X-Request-Id", "0123456789");
                HttpResponseEncoder.endHead(out);
                HttpResponseEncoder.statusLine(out, 201);
                encoder.serverAndDate(out, now[0]);
                HttpResponseEncoder.contentLength(out, i);
                HttpResponseEncoder.endHead(out);
                checksum += out.position();
            }
        };
        round.run();
        long best = measure(round);
        System.out.printf("encoder (direct=%s): %d bytes allocated for 20000 rounds%n", direct, best);
        assertThat(best).isZero();
    }

    /** Warms up, then returns the fewest bytes the thread allocated in one of several runs. */
    private static long measure(Runnable work) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (int i = 0; i < 10; i++) {
            work.run(); // warm-up: JIT compilation, class initialization, the header table's growth
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long before = threads.getThreadAllocatedBytes(tid);
            work.run();
            long after = threads.getThreadAllocatedBytes(tid);
            best = Math.min(best, after - before);
        }
        return best;
    }
}
