package dev.ringnet.http;

import static dev.ringnet.http.Feed.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.http.Feed.Outcome;
import dev.ringnet.http.Feed.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Seeded random inputs. Whatever the bytes, the parser must not throw, must not loop (the feed
 * driver bounds the number of events per input byte), and must report the same outcome however
 * the input is split across reads and whether the buffer is heap or direct. Random valid
 * pipelines must parse to exactly what was generated. A whole head in a heap buffer takes the
 * parser's single pass; byte by byte in a direct buffer, only the state machine runs: comparing
 * the two checks that the pass accepts, records and rejects exactly what the state machine does.
 */
class HttpRequestParserFuzzTest {

    private static final long SEED = 0x5EED_F00DL;
    private static final HttpLimits SMALL = HttpLimits.DEFAULT
            .withMaxRequestLineLength(200)
            .withMaxHeaderSectionLength(400)
            .withMaxHeaderCount(12)
            .withMaxBodyLength(300)
            .withMaxChunkLineLength(60);

    private static final String SOUP = " \r\n:;,=\"/\tGETHOST0123456789abcdef";
    private static final String[] FRAGMENTS = {
        "GET", "POST", "PUT", "HEAD", "get", " ", " ", " ", "/", "/a?b=c", "*", "http://x/", "HTTP/1.1",
        "HTTP/1.0", "HTTP/2.0", "\r\n", "\r\n", "\r\n", "\r", "\n", "\t", ":", ": ", "Host: h", "Host",
        "Content-Length: ", "Content-Length", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "chunked", "Connection: close", "Expect: 100-continue", "0", "1", "5", "a", "F", "10", "ffffffffffffffffff",
        ";", "=", "\"", "\\", ",", "x", "X-Y", "\u0000", "\u007f", "\u00e9", "\r\n\r\n", "0\r\n\r\n",
    };

    private final Map<String, Integer> histogram = new TreeMap<>();

    private void count(Outcome o) {
        String key = o.errorStatus() != 0 ? String.valueOf(o.errorStatus())
                : o.requests().isEmpty() ? "incomplete" : o.idleAtEnd() ? "parsed" : "parsed+incomplete";
        histogram.merge(key, 1, Integer::sum);
    }

    private void report(String test) {
        System.out.println(test + ": " + histogram);
    }

    /** Parses one input four ways and checks they agree; returns the unsplit outcome. */
    private static Outcome consistent(byte[] input, HttpLimits limits, Random rnd) {
        Outcome whole = Feed.run(input, limits, new int[] {input.length}, false);
        assertThat(Feed.run(input, limits, Feed.byteByByte(input.length), true))
                .as("byte by byte: %s", printable(input)).isEqualTo(whole);
        assertThat(Feed.run(input, limits, Feed.randomCuts(input.length, rnd), rnd.nextBoolean()))
                .as("random cuts: %s", printable(input)).isEqualTo(whole);
        if (input.length > 0) {
            assertThat(Feed.run(input, limits, Feed.split(input.length, rnd.nextInt(input.length)), false))
                    .as("one split: %s", printable(input)).isEqualTo(whole);
        }
        if (whole.errorStatus() != 0) {
            assertThat(whole.errorStatus()).isIn(400, 413, 414, 431, 501, 505);
        }
        return whole;
    }

    /**
     * The single pass reads long field values eight bytes at a time: every byte value at every
     * position of a long value, in a heap buffer received whole (the single pass) and byte by
     * byte in a direct one (the state machine), must give the same outcome, and the value must
     * be accepted exactly when the byte is a field-vchar, SP or HTAB.
     */
    @Test
    void everyByteAtEveryPositionOfALongValue() {
        Random rnd = new Random(SEED + 9);
        for (int b = 0; b < 256; b++) {
            for (int at = 0; at < 24; at++) {
                char[] value = "0123456789abcdefghijklmn".toCharArray();
                value[at] = (char) b;
                String raw = "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + new String(value) + "\r\nX: y\r\n\r\n";
                Outcome whole = consistent(bytes(raw), HttpLimits.DEFAULT, rnd);
                boolean allowed = (b >= 0x21 && b <= 0x7E) || b >= 0x80 || b == ' ' || b == '\t';
                assertThat(whole.errorStatus()).as("byte %02x at %d", b, at).isEqualTo(allowed ? 0 : 400);
                if (allowed) {
                    String expected = new String(value).strip();
                    if (b == '\t') {
                        expected = new String(value).replaceAll("^\t|\t$", "");
                    }
                    assertThat(whole.only().headers()).as("byte %02x at %d", b, at)
                            .containsExactly("Host: h", "X-Long: " + expected, "X: y");
                }
            }
        }
    }

    @Test
    void randomByteSoup() {
        Random rnd = new Random(SEED);
        for (int n = 0; n < 1500; n++) {
            byte[] input = new byte[rnd.nextInt(120)];
            for (int i = 0; i < input.length; i++) {
                input[i] = (byte) (rnd.nextInt(3) == 0 ? rnd.nextInt(256) : SOUP.charAt(rnd.nextInt(SOUP.length())));
            }
            count(consistent(input, rnd.nextBoolean() ? SMALL : HttpLimits.DEFAULT, rnd));
        }
        report("byte soup");
    }

    @Test
    void randomFragmentSoup() {
        Random rnd = new Random(SEED + 1);
        for (int n = 0; n < 2500; n++) {
            StringBuilder sb = new StringBuilder();
            if (rnd.nextBoolean()) {
                sb.append("POST / HTTP/1.1\r\nHost: h\r\n");
            }
            int parts = rnd.nextInt(40);
            for (int i = 0; i < parts; i++) {
                sb.append(FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
            }
            count(consistent(bytes(sb.toString()), rnd.nextBoolean() ? SMALL : HttpLimits.DEFAULT, rnd));
        }
        report("fragment soup");
    }

    private static final String[] REQUEST_LINES = {
        "GET / HTTP/1.1", "POST /p?q HTTP/1.1", "PUT * HTTP/1.1", "OPTIONS * HTTP/1.1", "GET / HTTP/1.0",
        "GET / HTTP/2.0", "CONNECT h:1 HTTP/1.1", "GET /" + "x".repeat(190) + " HTTP/1.1", "get http://h/ HTTP/1.1",
    };
    private static final String[] FIELD_LINES = {
        "Host: h", "Host: h", "Host: h", "host:", "Content-Length: 0", "Content-Length: 3", "Content-Length: 301",
        "Content-Length: 3, 3", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, gzip", "Connection: close", "Connection: keep-alive, upgrade",
        "Expect: 100-continue", "X: " + "v".repeat(150), "X-A: 1", " folded", "Bad Name: x", "X:\tv\t",
        "Trailer: T",
    };
    private static final String[] BODY_PARTS = {
        "abc", "3\r\nabc\r\n", "0\r\n\r\n", "0\r\nT: 1\r\n\r\n", "5;a=\"b\"\r\nhello\r\n", "1\r\nx\r\n",
        "fff\r\n", "\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
    };

    @Test
    void randomLineSoup() {
        Random rnd = new Random(SEED + 4);
        for (int n = 0; n < 3000; n++) {
            StringBuilder sb = new StringBuilder();
            int requests = 1 + rnd.nextInt(2);
            for (int r = 0; r < requests; r++) {
                sb.append(REQUEST_LINES[rnd.nextInt(REQUEST_LINES.length)]).append("\r\n");
                int fields = rnd.nextInt(8);
                for (int i = 0; i < fields; i++) {
                    sb.append(FIELD_LINES[rnd.nextInt(FIELD_LINES.length)]).append("\r\n");
                }
                sb.append("\r\n");
                int parts = rnd.nextInt(4);
                for (int i = 0; i < parts; i++) {
                    sb.append(BODY_PARTS[rnd.nextInt(BODY_PARTS.length)]);
                }
            }
            count(consistent(bytes(sb.toString()), rnd.nextInt(4) == 0 ? HttpLimits.DEFAULT : SMALL, rnd));
        }
        report("line soup");
        assertThat(histogram).containsKeys("400", "413", "414", "431", "501", "505", "parsed");
    }

    @Test
    void randomValidPipelinesParseToWhatWasGenerated() {
        Random rnd = new Random(SEED + 2);
        for (int n = 0; n < 600; n++) {
            List<Request> expected = new ArrayList<>();
            StringBuilder raw = new StringBuilder();
            int count = 1 + rnd.nextInt(4);
            for (int i = 0; i < count; i++) {
                expected.add(generate(rnd, raw));
            }
            byte[] input = bytes(raw.toString());
            Outcome o = consistent(input, HttpLimits.DEFAULT, rnd);
            assertThat(o.errorStatus()).as("%s -> %s", raw, o.errorReason()).isZero();
            assertThat(o.idleAtEnd()).isTrue();
            assertThat(o.requests()).hasSameSizeAs(expected);
            for (int i = 0; i < count; i++) {
                Request got = o.requests().get(i);
                Request want = expected.get(i);
                assertThat(got.method()).isEqualTo(want.method());
                assertThat(got.methodName()).isEqualTo(want.methodName());
                assertThat(got.target()).isEqualTo(want.target());
                assertThat(got.query()).isEqualTo(want.query());
                assertThat(got.version()).isEqualTo(want.version());
                assertThat(got.headers()).isEqualTo(want.headers());
                assertThat(got.trailers()).isEqualTo(want.trailers());
                assertThat(got.body()).isEqualTo(want.body());
                assertThat(got.chunked()).isEqualTo(want.chunked());
                assertThat(got.keepAlive()).isEqualTo(want.keepAlive());
                assertThat(got.expectContinue()).isEqualTo(want.expectContinue());
            }
        }
    }

    @Test
    void mutatedValidPipelines() {
        Random rnd = new Random(SEED + 3);
        for (int n = 0; n < 1500; n++) {
            StringBuilder raw = new StringBuilder();
            int count = 1 + rnd.nextInt(3);
            for (int i = 0; i < count; i++) {
                generate(rnd, raw);
            }
            byte[] input = bytes(raw.toString());
            int mutations = 1 + rnd.nextInt(3);
            for (int m = 0; m < mutations && input.length > 0; m++) {
                int at = rnd.nextInt(input.length);
                switch (rnd.nextInt(3)) {
                    case 0 -> input[at] = (byte) rnd.nextInt(256);
                    case 1 -> { // delete
                        byte[] shorter = new byte[input.length - 1];
                        System.arraycopy(input, 0, shorter, 0, at);
                        System.arraycopy(input, at + 1, shorter, at, input.length - at - 1);
                        input = shorter;
                    }
                    default -> { // insert a structurally interesting byte
                        byte[] longer = new byte[input.length + 1];
                        System.arraycopy(input, 0, longer, 0, at);
                        longer[at] = (byte) "\r\n \t:;\"0\u0000".charAt(rnd.nextInt(9));
                        System.arraycopy(input, at, longer, at + 1, input.length - at);
                        input = longer;
                    }
                }
            }
            count(consistent(input, rnd.nextBoolean() ? SMALL : HttpLimits.DEFAULT, rnd));
        }
        report("mutated pipelines");
        assertThat(histogram).containsKeys("400", "parsed");
    }

    // ---- generator of valid requests ----

    private static final String[] KNOWN = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"};
    private static final String TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/%";
    private static final String VALUE_CHARS =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u00a0\u00ff";

    private static String pick(Random rnd, String chars, int min, int max) {
        int len = min + rnd.nextInt(max - min + 1);
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append(chars.charAt(rnd.nextInt(chars.length())));
        }
        return sb.toString();
    }

    /** A value that starts and ends with a visible char (so trimming is predictable). */
    private static String value(Random rnd) {
        if (rnd.nextInt(8) == 0) {
            return "";
        }
        String v = pick(rnd, VALUE_CHARS, 1, 30).strip(); // strips SP and HTAB, not U+00A0
        return v.isEmpty() ? "v" : v;
    }

    private static String ows(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> "";
            case 1 -> " ";
            case 2 -> "\t";
            default -> " \t ";
        };
    }

    private static Request generate(Random rnd, StringBuilder raw) {
        if (rnd.nextInt(10) == 0) {
            raw.append("\r\n"); // an ignorable empty line between requests
        }
        String methodName = rnd.nextInt(6) == 0 ? "X" + pick(rnd, TCHARS, 0, 8) : KNOWN[rnd.nextInt(KNOWN.length)];
        int method = HttpMethod.EXTENSION;
        for (int m = HttpMethod.GET; m <= HttpMethod.TRACE; m++) {
            if (HttpMethod.name(m).equals(methodName)) {
                method = m;
            }
        }
        String path = "/" + pick(rnd, PATH_CHARS, 0, 20);
        String query = rnd.nextBoolean() ? pick(rnd, PATH_CHARS + "?", 0, 15) : null;
        String target = query == null ? path : path + "?" + query;
        boolean http10 = rnd.nextInt(5) == 0;
        raw.append(methodName).append(' ').append(target).append(http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");

        List<String> headers = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        if (!http10 || rnd.nextBoolean()) {
            headers.add("Host: example.org");
        }
        int extra = rnd.nextInt(6);
        for (int i = 0; i < extra; i++) {
            headers.add("X-" + pick(rnd, TCHARS, 1, 10) + ": " + value(rnd));
        }
        int framing = rnd.nextInt(3); // 0 none, 1 Content-Length, 2 chunked
        if (http10 && framing == 2) {
            framing = 1;
        }
        String body = framing == 0 ? "" : pick(rnd, VALUE_CHARS + "\r\n\u0000", 0, 80);
        if (framing == 1) {
            headers.add((rnd.nextBoolean() ? "Content-Length" : "content-length") + ": " + body.length());
        } else if (framing == 2) {
            headers.add("Transfer-Encoding: " + (rnd.nextBoolean() ? "chunked" : "Chunked"));
        }
        int connection = rnd.nextInt(3); // 0 none, 1 close, 2 keep-alive
        if (connection == 1) {
            headers.add("Connection: close");
        } else if (connection == 2) {
            headers.add("Connection: keep-alive");
        }
        boolean expect = rnd.nextInt(5) == 0;
        if (expect) {
            headers.add("Expect: 100-continue");
        }
        // shuffle, then render with random OWS
        for (int i = headers.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            String t = headers.get(i);
            headers.set(i, headers.get(j));
            headers.set(j, t);
        }
        for (String h : headers) {
            int colon = h.indexOf(": ");
            lines.add(h.substring(0, colon) + ":" + ows(rnd) + h.substring(colon + 2) + ows(rnd));
        }
        for (String line : lines) {
            raw.append(line).append("\r\n");
        }
        raw.append("\r\n");

        List<String> trailers = new ArrayList<>();
        if (framing == 1) {
            raw.append(body);
        } else if (framing == 2) {
            int at = 0;
            while (at < body.length()) {
                int size = Math.min(body.length() - at, 1 + rnd.nextInt(30));
                raw.append(Integer.toHexString(size)).append(extensions(rnd)).append("\r\n");
                raw.append(body, at, at + size).append("\r\n");
                at += size;
            }
            raw.append("0").append(extensions(rnd)).append("\r\n");
            int t = rnd.nextInt(3);
            for (int i = 0; i < t; i++) {
                String name = "T-" + pick(rnd, TCHARS, 1, 6);
                String v = value(rnd);
                trailers.add(name + ": " + v);
                raw.append(name).append(':').append(ows(rnd)).append(v).append(ows(rnd)).append("\r\n");
            }
            raw.append("\r\n");
        }
        boolean keepAlive = connection != 1 && (!http10 || connection == 2);
        return new Request(method, methodName, target, query,
                http10 ? HttpRequestParser.VERSION_1_0 : HttpRequestParser.VERSION_1_1, headers, trailers, body,
                framing == 1 ? body.length() : framing == 2 ? -1 : 0, framing == 2, keepAlive, expect && !http10,
                -1, -1);
    }

    private static String extensions(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            sb.append(rnd.nextBoolean() ? ";" : " ;").append(pick(rnd, TCHARS, 1, 5));
            switch (rnd.nextInt(3)) {
                case 0 -> { }
                case 1 -> sb.append('=').append(pick(rnd, TCHARS, 1, 5));
                default -> {
                    sb.append(" = \"");
                    for (char c : pick(rnd, "ab ;=,\t\\\"\u00e9", 0, 8).toCharArray()) {
                        if (c == '"' || c == '\\') {
                            sb.append('\\'); // quoted-pair
                        }
                        sb.append(c);
                    }
                    sb.append('"');
                }
            }
        }
        return sb.toString();
    }

    private static String printable(byte[] input) {
        StringBuilder sb = new StringBuilder();
        for (byte b : input) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
