package dev.ringnet.http;

import dev.ringnet.http.internal.Ascii;
import dev.ringnet.http.internal.StatusLines;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes HTTP/1.1 responses straight into a {@link ByteBuffer}, without allocating.
 *
 * <p>There are three levels:
 *
 * <ul>
 *   <li><b>Whole heads and responses</b>: {@link #writeResponse(ByteBuffer, int, byte[], byte[], int, long)
 *       writeResponse} writes status line, {@code Server}, {@code Date}, {@code Content-Type},
 *       {@code Content-Length}, an optional {@code Connection} header, the empty line and the
 *       body; {@link #writeHead writeHead} the same without the body (for HEAD requests or a
 *       body written separately) and {@link #writeChunkedHead writeChunkedHead} a head for a
 *       chunked body. They check the space first: if the buffer's remaining space is too small
 *       they return {@code false} and write nothing.
 *   <li><b>Primitives</b> (static, except the two that need the server name or the date cache):
 *       {@link #statusLine}, {@link #header(ByteBuffer, byte[], byte[]) header},
 *       {@link #contentLength}, {@link #contentType}, {@link #connectionClose},
 *       {@link #transferEncodingChunked}, {@link #endHead}, and for chunked bodies
 *       {@link #chunkHeader}, {@link #chunkEnd}, {@link #chunk(ByteBuffer, byte[]) chunk} and
 *       {@link #lastChunk}. Each writes at the buffer's position and advances it, and throws
 *       {@link BufferOverflowException} without writing if its own bytes do not fit.
 *   <li><b>Pre-encoded responses</b>: {@link #preEncode} (or {@link PreEncodedResponse#builder})
 *       renders a constant response once; writing it is one bulk copy plus the 29 date bytes.
 * </ul>
 *
 * Status lines come from a table built once for every code from 100 to 599 (with the RFC 9110
 * reason phrase where one is registered). The {@code Date} value comes from an {@link HttpDate}
 * that reformats at most once per second.
 *
 * <pre>{@code
 * static final byte[] TEXT_PLAIN = "text/plain".getBytes(US_ASCII);
 * static final byte[] HELLO = "Hello, World!".getBytes(US_ASCII);
 *
 * HttpResponseEncoder encoder = new HttpResponseEncoder("ringnet"); // one per loop thread
 * int connection = parser.keepAlive() ? HttpResponseEncoder.CONNECTION_DEFAULT
 *                                     : HttpResponseEncoder.CONNECTION_CLOSE;
 * if (!encoder.writeResponse(out, 200, TEXT_PLAIN, HELLO, connection, System.currentTimeMillis())) {
 *     flushAndRetry();
 * }
 *
 * // a chunked response
 * encoder.writeChunkedHead(out, 200, TEXT_PLAIN, connection, now);
 * HttpResponseEncoder.chunk(out, part1);
 * HttpResponseEncoder.chunk(out, part2);
 * HttpResponseEncoder.lastChunk(out);
 * }</pre>
 *
 * <p>Header names must be tokens and values must not contain control characters other than HTAB
 * (so no CR or LF: no response splitting); violations throw {@link IllegalArgumentException}.
 * For status codes 1xx and 204 the whole-head methods never write {@code Content-Length}
 * (RFC 9110 §8.6). The encoder always writes version HTTP/1.1, which is also the right answer to an
 * HTTP/1.0 request (RFC 9110 §2.5); for such a client that keeps the connection, pass
 * {@link #CONNECTION_KEEP_ALIVE}.
 *
 * <p>An encoder holds only its server name and {@link HttpDate}; since the date cache is not
 * thread-safe, use one encoder per event-loop thread.
 */
public final class HttpResponseEncoder {

    /** Write no {@code Connection} header (HTTP/1.1 keeps the connection by default). */
    public static final int CONNECTION_DEFAULT = 0;
    /** Write {@code Connection: close}: the server closes after this response. */
    public static final int CONNECTION_CLOSE = 1;
    /** Write {@code Connection: keep-alive}: for HTTP/1.0 clients whose connection is kept. */
    public static final int CONNECTION_KEEP_ALIVE = 2;

    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] DATE_PREFIX = ascii("Date: ");
    private static final byte[] CONTENT_TYPE_PREFIX = ascii("Content-Type: ");
    private static final byte[] CONTENT_LENGTH_PREFIX = ascii("Content-Length: ");
    private static final byte[] CONNECTION_CLOSE_LINE = ascii("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE_LINE = ascii("Connection: keep-alive\r\n");
    private static final byte[] TRANSFER_ENCODING_CHUNKED_LINE = ascii("Transfer-Encoding: chunked\r\n");
    private static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");
    private static final byte[] CONTINUE_100 = ascii("HTTP/1.1 100 Continue\r\n\r\n");
    private static final byte[] HEX_DIGITS = ascii("0123456789abcdef");
    private static final int DATE_LINE_LENGTH = DATE_PREFIX.length + HttpDate.LENGTH + 2;

    private final String serverName;
    private final byte[] serverLine;
    private final HttpDate date;

    /**
     * An encoder with its own {@link HttpDate}.
     *
     * @param serverName the {@code Server} header value, or {@code null} to write none
     */
    public HttpResponseEncoder(String serverName) {
        this(serverName, new HttpDate());
    }

    /**
     * An encoder sharing {@code date} (which must be confined to the same thread).
     *
     * @param serverName the {@code Server} header value, or {@code null} to write none
     */
    public HttpResponseEncoder(String serverName, HttpDate date) {
        this.date = Objects.requireNonNull(date, "date");
        this.serverName = serverName;
        if (serverName == null) {
            this.serverLine = new byte[0];
        } else {
            byte[] value = latin1(serverName);
            checkValue(value);
            byte[] line = new byte[8 + value.length + 2];
            System.arraycopy(ascii("Server: "), 0, line, 0, 8);
            System.arraycopy(value, 0, line, 8, value.length);
            line[line.length - 2] = '\r';
            line[line.length - 1] = '\n';
            this.serverLine = line;
        }
    }

    /** The date cache this encoder writes {@code Date} headers from. */
    public HttpDate date() {
        return date;
    }

    /** The {@code Server} header value, or {@code null}. */
    public String serverName() {
        return serverName;
    }

    /**
     * The registered reason phrase for {@code status} (for example {@code "Not Found"}), or
     * {@code ""} if none; a constant.
     *
     * @throws IllegalArgumentException if {@code status} is not in [100, 599]
     */
    public static String reasonPhrase(int status) {
        return StatusLines.reason(status);
    }

    // =====================================================================================
    // whole heads and responses
    // =====================================================================================

    /**
     * Writes a complete response: head as in {@link #writeHead} with
     * {@code Content-Length: body.length}, then the body. Writes nothing and returns
     * {@code false} if it does not fit in {@code buf.remaining()}.
     *
     * @param contentType the Content-Type value, or {@code null} for none
     * @param connection {@link #CONNECTION_DEFAULT}, {@link #CONNECTION_CLOSE} or
     *     {@link #CONNECTION_KEEP_ALIVE}
     */
    public boolean writeResponse(ByteBuffer buf, int status, byte[] contentType, byte[] body,
            int connection, long nowMillis) {
        int need = headLength(status, contentType, body.length, connection);
        if (buf.remaining() < need + body.length) {
            return false;
        }
        putHead(buf, status, contentType, body.length, connection, nowMillis);
        buf.put(body);
        return true;
    }

    /**
     * Like {@link #writeResponse(ByteBuffer, int, byte[], byte[], int, long)} with the body
     * taken from {@code body}'s remaining bytes; {@code body}'s position does not change.
     */
    public boolean writeResponse(ByteBuffer buf, int status, byte[] contentType, ByteBuffer body,
            int connection, long nowMillis) {
        int length = body.remaining();
        int need = headLength(status, contentType, length, connection);
        if (buf.remaining() < need + length) {
            return false;
        }
        putHead(buf, status, contentType, length, connection, nowMillis);
        int at = buf.position();
        buf.put(at, body, body.position(), length);
        buf.position(at + length);
        return true;
    }

    /**
     * Writes a response head: status line, {@code Server} (if configured), {@code Date},
     * {@code Content-Type} (if not {@code null}), {@code Content-Length} (if
     * {@code contentLength >= 0} and the status allows one), {@code Connection} as requested, and
     * the empty line. Writes nothing and returns {@code false} if it does not fit.
     */
    public boolean writeHead(ByteBuffer buf, int status, byte[] contentType, long contentLength,
            int connection, long nowMillis) {
        if (buf.remaining() < headLength(status, contentType, contentLength, connection)) {
            return false;
        }
        putHead(buf, status, contentType, contentLength, connection, nowMillis);
        return true;
    }

    /**
     * Writes a response head announcing a chunked body ({@code Transfer-Encoding: chunked}
     * instead of {@code Content-Length}). Follow it with {@link #chunk} calls and
     * {@link #lastChunk}. Writes nothing and returns {@code false} if it does not fit.
     */
    public boolean writeChunkedHead(ByteBuffer buf, int status, byte[] contentType, int connection,
            long nowMillis) {
        int need = headLength(status, contentType, -1, connection) + TRANSFER_ENCODING_CHUNKED_LINE.length;
        if (buf.remaining() < need) {
            return false;
        }
        putHeadWithoutEnd(buf, status, contentType, -1, connection, nowMillis);
        buf.put(TRANSFER_ENCODING_CHUNKED_LINE);
        buf.put(CRLF);
        return true;
    }

    /**
     * The number of bytes {@link #writeHead} would write for these arguments; lets a server
     * reserve space before writing.
     */
    public int headLength(int status, byte[] contentType, long contentLength, int connection) {
        int n = StatusLines.line(status).length + serverLine.length + DATE_LINE_LENGTH + 2;
        if (contentType != null) {
            n += CONTENT_TYPE_PREFIX.length + contentType.length + 2;
        }
        if (contentLength >= 0 && allowsContentLength(status)) {
            n += CONTENT_LENGTH_PREFIX.length + decimalDigits(contentLength) + 2;
        }
        n += switch (connection) {
            case CONNECTION_DEFAULT -> 0;
            case CONNECTION_CLOSE -> CONNECTION_CLOSE_LINE.length;
            case CONNECTION_KEEP_ALIVE -> CONNECTION_KEEP_ALIVE_LINE.length;
            default -> throw new IllegalArgumentException("connection mode " + connection);
        };
        return n;
    }

    private void putHead(ByteBuffer buf, int status, byte[] contentType, long contentLength, int connection,
            long nowMillis) {
        putHeadWithoutEnd(buf, status, contentType, contentLength, connection, nowMillis);
        buf.put(CRLF);
    }

    private void putHeadWithoutEnd(ByteBuffer buf, int status, byte[] contentType, long contentLength,
            int connection, long nowMillis) {
        if (contentType != null) {
            checkValue(contentType);
        }
        buf.put(StatusLines.line(status));
        buf.put(serverLine);
        buf.put(DATE_PREFIX);
        date.writeTo(buf, nowMillis);
        buf.put(CRLF);
        if (contentType != null) {
            buf.put(CONTENT_TYPE_PREFIX).put(contentType).put(CRLF);
        }
        if (contentLength >= 0 && allowsContentLength(status)) {
            buf.put(CONTENT_LENGTH_PREFIX);
            putDecimal(buf, contentLength);
            buf.put(CRLF);
        }
        if (connection == CONNECTION_CLOSE) {
            buf.put(CONNECTION_CLOSE_LINE);
        } else if (connection == CONNECTION_KEEP_ALIVE) {
            buf.put(CONNECTION_KEEP_ALIVE_LINE);
        }
    }

    /** 1xx and 204 responses must not carry Content-Length (RFC 9110 §8.6). */
    static boolean allowsContentLength(int status) {
        return status >= 200 && status != 204;
    }

    /**
     * Builds a constant response with this encoder's {@code Server} name, a {@code Date} slot,
     * the given {@code Content-Type} (or none), {@code Content-Length} and body; see
     * {@link PreEncodedResponse}.
     *
     * <pre>{@code
     * PreEncodedResponse hello = encoder.preEncode(200, "text/plain",
     *         "Hello, World!".getBytes(US_ASCII), HttpResponseEncoder.CONNECTION_DEFAULT);
     * hello.writeTo(out, encoder.date(), System.currentTimeMillis());
     * }</pre>
     */
    public PreEncodedResponse preEncode(int status, String contentType, byte[] body, int connection) {
        PreEncodedResponse.Builder b = PreEncodedResponse.builder(status);
        if (serverName != null) {
            b.header("Server", serverName);
        }
        b.date();
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        switch (connection) {
            case CONNECTION_DEFAULT -> { }
            case CONNECTION_CLOSE -> b.header("Connection", "close");
            case CONNECTION_KEEP_ALIVE -> b.header("Connection", "keep-alive");
            default -> throw new IllegalArgumentException("connection mode " + connection);
        }
        return b.body(body).build();
    }

    // =====================================================================================
    // primitives
    // =====================================================================================

    /** Writes {@code HTTP/1.1 <status> <reason>\r\n} from the pre-encoded table. */
    public static void statusLine(ByteBuffer buf, int status) {
        buf.put(StatusLines.line(status));
    }

    /** Writes {@code Server: <name>\r\n} (if configured) and {@code Date: <now>\r\n}. */
    public void serverAndDate(ByteBuffer buf, long nowMillis) {
        ensure(buf, serverLine.length + DATE_LINE_LENGTH);
        buf.put(serverLine);
        putDate(buf, nowMillis);
    }

    /** Writes {@code Date: <now>\r\n}. */
    public void dateHeader(ByteBuffer buf, long nowMillis) {
        ensure(buf, DATE_LINE_LENGTH);
        putDate(buf, nowMillis);
    }

    private void putDate(ByteBuffer buf, long nowMillis) {
        buf.put(DATE_PREFIX);
        date.writeTo(buf, nowMillis);
        buf.put(CRLF);
    }

    /**
     * Writes {@code <name>: <value>\r\n}.
     *
     * @throws IllegalArgumentException if {@code name} is not a token or {@code value} contains
     *     a control character other than HTAB
     */
    public static void header(ByteBuffer buf, byte[] name, byte[] value) {
        checkName(name);
        checkValue(value);
        ensure(buf, name.length + 2 + value.length + 2);
        buf.put(name).put((byte) ':').put((byte) ' ').put(value).put(CRLF);
    }

    /**
     * Writes {@code <name>: <value>\r\n} from Strings, one char per byte (ISO-8859-1), without
     * allocating.
     *
     * @throws IllegalArgumentException if {@code name} is not a token, or {@code value} contains
     *     a control character other than HTAB or a char above U+00FF
     */
    public static void header(ByteBuffer buf, String name, String value) {
        int nl = name.length();
        int vl = value.length();
        if (nl == 0) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < nl; i++) {
            char c = name.charAt(i);
            if (c > 0x7F || !Ascii.isTchar((byte) c)) {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
        }
        for (int i = 0; i < vl; i++) {
            char c = value.charAt(i);
            if (c > 0xFF || !validValueByte((byte) c)) {
                throw new IllegalArgumentException("invalid header value: " + value);
            }
        }
        ensure(buf, nl + 2 + vl + 2);
        for (int i = 0; i < nl; i++) {
            buf.put((byte) name.charAt(i));
        }
        buf.put((byte) ':').put((byte) ' ');
        for (int i = 0; i < vl; i++) {
            buf.put((byte) value.charAt(i));
        }
        buf.put(CRLF);
    }

    /** Writes {@code Content-Length: <length>\r\n}; {@code length} must be >= 0. */
    public static void contentLength(ByteBuffer buf, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative content length " + length);
        }
        ensure(buf, CONTENT_LENGTH_PREFIX.length + decimalDigits(length) + 2);
        buf.put(CONTENT_LENGTH_PREFIX);
        putDecimal(buf, length);
        buf.put(CRLF);
    }

    /** Writes {@code Content-Type: <type>\r\n}. */
    public static void contentType(ByteBuffer buf, byte[] type) {
        checkValue(type);
        ensure(buf, CONTENT_TYPE_PREFIX.length + type.length + 2);
        buf.put(CONTENT_TYPE_PREFIX).put(type).put(CRLF);
    }

    /** Writes {@code Connection: close\r\n}. */
    public static void connectionClose(ByteBuffer buf) {
        buf.put(CONNECTION_CLOSE_LINE);
    }

    /** Writes {@code Connection: keep-alive\r\n}. */
    public static void connectionKeepAlive(ByteBuffer buf) {
        buf.put(CONNECTION_KEEP_ALIVE_LINE);
    }

    /** Writes {@code Transfer-Encoding: chunked\r\n}. */
    public static void transferEncodingChunked(ByteBuffer buf) {
        buf.put(TRANSFER_ENCODING_CHUNKED_LINE);
    }

    /** Writes the empty line that ends a head (or a trailer section): {@code \r\n}. */
    public static void endHead(ByteBuffer buf) {
        buf.put(CRLF);
    }

    /** Writes the interim response {@code HTTP/1.1 100 Continue\r\n\r\n}, for {@code Expect: 100-continue}. */
    public static void continue100(ByteBuffer buf) {
        buf.put(CONTINUE_100);
    }

    /**
     * Writes a chunk header: {@code size} in lower-case hexadecimal and CRLF. Follow it with
     * exactly {@code size} data bytes and {@link #chunkEnd}. A size of 0 starts the last chunk:
     * follow it with trailer fields (via {@link #header(ByteBuffer, byte[], byte[]) header}) and
     * {@link #endHead}, or use {@link #lastChunk} when there are no trailers.
     */
    public static void chunkHeader(ByteBuffer buf, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative chunk size " + size);
        }
        int digits = hexDigits(size);
        ensure(buf, digits + 2);
        int at = buf.position();
        for (int i = digits - 1; i >= 0; i--) {
            buf.put(at + i, HEX_DIGITS[(int) (size & 0xF)]);
            size >>>= 4;
        }
        buf.position(at + digits);
        buf.put(CRLF);
    }

    /** Writes the CRLF that ends a chunk's data. */
    public static void chunkEnd(ByteBuffer buf) {
        buf.put(CRLF);
    }

    /** Writes a whole chunk: header, {@code data} (if not empty) and CRLF. Empty data writes nothing. */
    public static void chunk(ByteBuffer buf, byte[] data) {
        if (data.length == 0) {
            return; // a zero-size chunk would end the body
        }
        ensure(buf, hexDigits(data.length) + 2 + data.length + 2);
        chunkHeader(buf, data.length);
        buf.put(data);
        buf.put(CRLF);
    }

    /**
     * Writes a whole chunk from {@code data}'s remaining bytes (its position does not change).
     * Empty data writes nothing.
     */
    public static void chunk(ByteBuffer buf, ByteBuffer data) {
        int length = data.remaining();
        if (length == 0) {
            return;
        }
        ensure(buf, hexDigits(length) + 2 + length + 2);
        chunkHeader(buf, length);
        int at = buf.position();
        buf.put(at, data, data.position(), length);
        buf.position(at + length);
        buf.put(CRLF);
    }

    /** Writes the last chunk with no trailers: {@code 0\r\n\r\n}. */
    public static void lastChunk(ByteBuffer buf) {
        buf.put(LAST_CHUNK);
    }

    // =====================================================================================
    // helpers
    // =====================================================================================

    private static void ensure(ByteBuffer buf, int n) {
        if (buf.remaining() < n) {
            throw new BufferOverflowException();
        }
    }

    static int hexDigits(long v) {
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 3) / 4;
    }

    static int decimalDigits(long v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    private static void putDecimal(ByteBuffer buf, long v) {
        int digits = decimalDigits(v);
        int at = buf.position();
        for (int i = digits - 1; i >= 0; i--) {
            buf.put(at + i, (byte) ('0' + (int) (v % 10)));
            v /= 10;
        }
        buf.position(at + digits);
    }

    static void checkName(byte[] name) {
        if (name.length == 0) {
            throw new IllegalArgumentException("empty header name");
        }
        for (byte b : name) {
            if (!Ascii.isTchar(b)) {
                throw new IllegalArgumentException("invalid header name byte " + (b & 0xFF));
            }
        }
    }

    static void checkValue(byte[] value) {
        for (byte b : value) {
            if (!validValueByte(b)) {
                throw new IllegalArgumentException("invalid header value byte " + (b & 0xFF));
            }
        }
    }

    private static boolean validValueByte(byte b) {
        return Ascii.isFieldVchar(b) || b == ' ' || b == '\t';
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] latin1(String s) {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                throw new IllegalArgumentException("char above U+00FF in " + s);
            }
            b[i] = (byte) c;
        }
        return b;
    }
}
