package dev.ringnet.http;

import static dev.ringnet.http.internal.Ascii.CR;
import static dev.ringnet.http.internal.Ascii.HTAB;
import static dev.ringnet.http.internal.Ascii.LF;
import static dev.ringnet.http.internal.Ascii.SP;

import dev.ringnet.http.internal.Ascii;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An incremental, zero-copy HTTP/1.1 request parser (RFC 9112) that allocates nothing per
 * request.
 *
 * <h2>Model</h2>
 *
 * The parser reads a {@link ByteBuffer} (heap or direct) that accumulates the bytes received on
 * one connection. It never copies them and never builds Strings: the method, the request-target,
 * every header field and every piece of body is reported as an <em>absolute index</em> into that
 * buffer plus a length. The parser never changes the buffer's content, position or limit.
 *
 * <p>Each call to {@link #parse(ByteBuffer, int)} scans the bytes received since the previous
 * call, from where it stopped, and returns one event:
 *
 * <ul>
 *   <li>{@link #NEED_MORE}: every received byte is consumed; receive more and call again.
 *   <li>{@link #HEAD_COMPLETE}: the request line and header section are parsed; the head
 *       accessors ({@link #method()}, {@link #targetOffset()}, {@link #headerCount()},
 *       {@link #contentLength()}, {@link #keepAlive()}, ...) are valid from now until
 *       {@link #nextRequest()}. Returned once per request.
 *   <li>{@link #BODY_DATA}: {@link #bodyLength()} bytes of body (content, with any chunked
 *       framing removed) are available at {@link #bodyOffset()}. Consume or copy them; the parser
 *       has moved past them. A body arrives as one or more slices, never an empty one.
 *   <li>{@link #MESSAGE_COMPLETE}: the request, including any trailer section, ends at
 *       {@link #position()}. Further calls return {@code MESSAGE_COMPLETE} again until
 *       {@link #nextRequest()} starts parsing the next (pipelined) request at that position.
 *   <li>{@link #ERROR}: the request is invalid. {@link #errorStatus()} is the response status
 *       (400, 413, 414, 431, 501 or 505) and {@link #errorReason()} a short constant
 *       explanation. The parser stays failed: every later call returns {@code ERROR} until
 *       {@link #reset()}. The server should answer with that status and close the connection,
 *       since after a framing error it cannot know where the next request would start.
 * </ul>
 *
 * A server drives it like this:
 *
 * <pre>{@code
 * // on each read completion; buf is in fill mode: received bytes are [0, buf.position())
 * for (;;) {
 *     switch (parser.parse(buf, buf.position())) {
 *         case HttpRequestParser.NEED_MORE -> { readMore(); return; }
 *         case HttpRequestParser.HEAD_COMPLETE -> {
 *             if (parser.expectContinue()) write100Continue();
 *             int ua = parser.findHeader(USER_AGENT); // USER_AGENT = "user-agent" as bytes
 *             startRequest(parser);
 *         }
 *         case HttpRequestParser.BODY_DATA -> onBody(buf, parser.bodyOffset(), parser.bodyLength());
 *         case HttpRequestParser.MESSAGE_COMPLETE -> {
 *             respond(parser.keepAlive());
 *             if (!parser.keepAlive()) { close(); return; }
 *             parser.nextRequest(); // a pipelined request may already be in buf
 *         }
 *         case HttpRequestParser.ERROR -> { respondAndClose(parser.errorStatus()); return; }
 *     }
 * }
 * }</pre>
 *
 * <h2>Incremental parsing and buffer management</h2>
 *
 * The parser is a byte-level state machine: it remembers exactly where it stopped, so no byte is
 * examined twice however the input is split across reads. Bytes at and beyond {@code end} are
 * never read. Because offsets are absolute, the caller must not move received bytes behind the
 * parser's back. To reclaim space (for example with {@link ByteBuffer#compact()} on a flipped
 * buffer), discard at most {@link #position()} bytes from the front and tell the parser with
 * {@link #shift(int)}; discarding only the bytes before {@link #requestStart()} keeps the current
 * request's head valid, discarding more invalidates the head accessors (fine once the head was
 * dispatched, for example while streaming a large body).
 *
 * <h2>Strictness</h2>
 *
 * The parser accepts only what RFC 9112 allows and rejects the ambiguities used for request
 * smuggling:
 *
 * <ul>
 *   <li>Lines end with CRLF. A bare LF is rejected, as is a bare CR (400). Empty lines before the
 *       request line are ignored (RFC 9112 §2.2).
 *   <li>The request line is {@code method SP request-target SP HTTP-version} with single spaces.
 *       The method is a token; the target uses only RFC 3986 characters (unreserved,
 *       sub-delims, {@code :@/?%[]}, so no space, control, non-ASCII, {@code "<>\^`{|}#}), and
 *       must be in origin-form ({@code /path?query}), absolute-form ({@code scheme:...}),
 *       authority-form ({@code host:port}, CONNECT only) or asterisk-form ({@code *}, OPTIONS
 *       only) (400). Percent-encoding is not decoded or checked. The version must look like
 *       {@code HTTP/d.d} (400); a major version other than 1 gets 505; {@code HTTP/1.x} with
 *       {@code x > 1} is treated as HTTP/1.1 (RFC 9110 §2.5).
 *   <li>Field names are tokens; whitespace before the colon, a line starting with whitespace
 *       (obs-fold, or whitespace after the request line) and control characters other than HTAB
 *       in values are rejected (400). Values are reported without leading and trailing
 *       whitespace.
 *   <li>Content-Length must be a single non-empty run of digits: a repeated header (even with
 *       the same value) or a list is rejected (400); a value above
 *       {@link HttpLimits#maxBodyLength()} gets 413.
 *   <li>Transfer-Encoding is a comma-separated list of codings (across all its field lines).
 *       With Content-Length also present, or in an HTTP/1.0 request: 400. If the final coding
 *       is not {@code chunked} (including an empty list): 400, as RFC 9112 §6.3 requires,
 *       because the body length cannot be determined. If {@code chunked} is applied twice or
 *       has parameters: 400. If {@code chunked} is final but another coding precedes it (for
 *       example {@code gzip, chunked}): 501, since this parser decodes no other transfer coding
 *       (RFC 9112 §6.1).
 *   <li>HTTP/1.1 requests need exactly one Host field; a second one is rejected even in
 *       HTTP/1.0, as is a Host value with characters outside reg-name, IP-literal and port
 *       (400).
 *   <li>Chunked bodies: the chunk size is hexadecimal (an overflow of a signed 64-bit value is
 *       400), chunk extensions must follow {@code *( BWS ";" BWS name [ BWS "=" BWS
 *       (token / quoted-string) ] )} and are otherwise ignored, the data must be followed by
 *       CRLF, and trailer fields obey the header rules. Trailer fields are recorded (see
 *       {@link #trailerCount()}) but never change the framing.
 *   <li>Limits come from {@link HttpLimits}; see there for the statuses.
 * </ul>
 *
 * Connection persistence follows RFC 9112 §9.3: an HTTP/1.1 request keeps the connection unless
 * {@code Connection: close}; an HTTP/1.0 request only with {@code Connection: keep-alive} (and
 * without {@code close}). {@code Expect: 100-continue} sets {@link #expectContinue()} for
 * HTTP/1.1 only (RFC 9110 §10.1.1 tells servers to ignore it in HTTP/1.0); other expectations are
 * ignored. The parser does not interpret {@code Upgrade}: after a server accepts a CONNECT (2xx)
 * or switches protocols (101), the bytes after the request belong to the new protocol and must
 * not be fed to {@link #parse} again.
 *
 * <h2>Cost</h2>
 *
 * Parsing allocates nothing once the header table has grown to the largest field count seen
 * (it starts at 8 entries): results are ints, error reasons are constants. A request head that
 * arrived whole in a heap buffer is parsed in one pass over the backing array (several times
 * faster than the byte-level state machine, which handles everything else and decides every
 * error); servers copy each received chunk into a heap buffer for that reason. The methods that
 * return {@code String} ({@link #header(String)}, {@link #headerName(int)},
 * {@link #headerValue(int)}, {@link #target()}, {@link #methodName()}) allocate and are meant for
 * tests, logging and slow paths. A parser is not thread-safe; use one per connection.
 */
public final class HttpRequestParser {

    /** {@link #parse} result: the request is invalid; see {@link #errorStatus()}. */
    public static final int ERROR = -1;
    /** {@link #parse} result: all received bytes are consumed and the request is incomplete. */
    public static final int NEED_MORE = 0;
    /** {@link #parse} result: the request line and header section are parsed. */
    public static final int HEAD_COMPLETE = 1;
    /** {@link #parse} result: body bytes are at {@link #bodyOffset()}, {@link #bodyLength()}. */
    public static final int BODY_DATA = 2;
    /** {@link #parse} result: the request is complete and ends at {@link #position()}. */
    public static final int MESSAGE_COMPLETE = 3;

    /** {@link #version()} of an HTTP/1.0 request. */
    public static final int VERSION_1_0 = 10;
    /** {@link #version()} of an HTTP/1.1 request (also of HTTP/1.2 and later 1.x). */
    public static final int VERSION_1_1 = 11;

    // ---- error reasons: constants, so that failing allocates nothing ----
    private static final String R_BARE_CR = "CR not followed by LF";
    private static final String R_BARE_LF = "LF without CR";
    private static final String R_EMPTY_LINES = "too many empty lines before request line";
    private static final String R_METHOD = "invalid method";
    private static final String R_METHOD_TOO_LONG = "method too long";
    private static final String R_TARGET = "invalid request target";
    private static final String R_URI_TOO_LONG = "request line too long";
    private static final String R_VERSION = "invalid HTTP version";
    private static final String R_VERSION_UNSUPPORTED = "HTTP version not supported";
    private static final String R_HEADERS_TOO_LARGE = "header section too large";
    private static final String R_TOO_MANY_FIELDS = "too many header fields";
    private static final String R_OBS_FOLD = "obsolete line folding";
    private static final String R_LEADING_WS = "whitespace before first header field";
    private static final String R_FIELD_NAME = "invalid header field name";
    private static final String R_WS_BEFORE_COLON = "whitespace before colon";
    private static final String R_FIELD_VALUE = "invalid header field value";
    private static final String R_HOST_MISSING = "missing Host";
    private static final String R_HOST_REPEATED = "repeated Host";
    private static final String R_HOST_INVALID = "invalid Host";
    private static final String R_CL_REPEATED = "repeated Content-Length";
    private static final String R_CL_INVALID = "invalid Content-Length";
    private static final String R_TE_WITH_CL = "Transfer-Encoding with Content-Length";
    private static final String R_TE_HTTP10 = "Transfer-Encoding in HTTP/1.0";
    private static final String R_TE_INVALID = "invalid Transfer-Encoding";
    private static final String R_TE_NOT_CHUNKED = "chunked is not the final transfer coding";
    private static final String R_TE_CHUNKED_TWICE = "chunked applied more than once";
    private static final String R_TE_UNSUPPORTED = "unsupported transfer coding";
    private static final String R_CONNECTION_INVALID = "invalid Connection";
    private static final String R_BODY_TOO_LARGE = "content too large";
    private static final String R_CHUNK_SIZE = "invalid chunk size";
    private static final String R_CHUNK_OVERFLOW = "chunk size overflow";
    private static final String R_CHUNK_EXT = "invalid chunk extension";
    private static final String R_CHUNK_LINE_TOO_LONG = "chunk line too long";
    private static final String R_CHUNK_DATA_END = "chunk data not followed by CRLF";

    // ---- lower-case names and values compared without allocation ----
    private static final byte[] HOST = ascii("host");
    private static final byte[] EXPECT = ascii("expect");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] CONTINUE_100 = ascii("100-continue");
    private static final byte[] HTTP_SLASH = ascii("HTTP/");

    private static final byte[][] METHODS = {
        null, ascii("GET"), ascii("HEAD"), ascii("POST"), ascii("PUT"), ascii("DELETE"),
        ascii("OPTIONS"), ascii("PATCH"), ascii("TRACE"), ascii("CONNECT")
    };

    // ---- states ----
    private static final int ST_START = 0;            // before the request line; skips empty lines
    private static final int ST_START_LF = 1;         // CR of an empty line seen
    private static final int ST_METHOD = 2;
    private static final int ST_TARGET = 3;
    private static final int ST_VERSION = 4;
    private static final int ST_LINE_CR = 5;          // version read, CR expected
    private static final int ST_LINE_LF = 6;
    private static final int ST_FIELD_START = 7;      // start of a field line or of the empty line
    private static final int ST_FIELD_NAME = 8;
    private static final int ST_FIELD_OWS = 9;        // after the colon
    private static final int ST_FIELD_VALUE = 10;
    private static final int ST_FIELD_LF = 11;
    private static final int ST_SECTION_LF = 12;      // CR of the empty line seen
    private static final int ST_BODY = 13;            // Content-Length body
    private static final int ST_CHUNK_SIZE_START = 14;
    private static final int ST_CHUNK_SIZE = 15;
    private static final int ST_EXT_BEFORE_SEMI = 16; // BWS after a size or value, ';' expected
    private static final int ST_EXT_BEFORE_NAME = 17;
    private static final int ST_EXT_NAME = 18;
    private static final int ST_EXT_AFTER_NAME = 19;  // BWS after a name
    private static final int ST_EXT_BEFORE_VALUE = 20;
    private static final int ST_EXT_TOKEN_VALUE = 21;
    private static final int ST_EXT_QUOTED = 22;
    private static final int ST_EXT_QUOTED_ESCAPE = 23;
    private static final int ST_EXT_AFTER_QUOTED = 24;
    private static final int ST_CHUNK_LINE_LF = 25;
    private static final int ST_CHUNK_DATA = 26;
    private static final int ST_CHUNK_DATA_CR = 27;
    private static final int ST_CHUNK_DATA_LF = 28;
    private static final int ST_COMPLETE = 29;
    private static final int ST_ERROR = 30;

    /** Header fields tracked before the table grows: most requests have fewer, and an idle connection keeps its parser. */
    private static final int INITIAL_FIELDS = 8;

    private final HttpLimits limits;
    private final int maxRequestLine;
    private final int maxSection;
    private final int maxFields;
    private final long maxBody;
    private final int maxChunkLine;

    /** Four ints per field: name offset, name length, value offset, value length. */
    private int[] fields;

    private ByteBuffer buf;
    private int state;
    private int pos;
    private int requestStart;

    // request line
    private int lineLimit;
    private int methodStart;
    private int methodLength;
    private int method;
    private int targetStart;
    private int targetLength;
    private int targetFlags;
    private int queryIndex;
    private int firstColon;
    private int versionStart;
    private int version;

    // field lines
    private int sectionLimit;
    private int fieldCount;
    private int headerCount;
    private boolean inTrailers;
    private int trailerStart;
    private int nameStart;
    private int nameLength;
    private int valueStart;
    private int valueEnd;

    // framing fields
    private boolean contentLengthSeen;
    private long contentLength;
    private boolean teSeen;
    private boolean teChunked;
    private boolean teLastChunked;
    private boolean teOther;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean expectContinue;
    private int hostIndex;
    private boolean chunked;
    private boolean keepAlive;

    // body
    private long bodyRemaining;
    private long bodyReceived;
    private long chunkedTotal;
    private long chunkSize;
    private int chunkLineLimit;
    private int bodyOffset;
    private int bodyLength;

    private int errorStatus;
    private String errorReason;

    /** A parser with {@link HttpLimits#DEFAULT}. */
    public HttpRequestParser() {
        this(HttpLimits.DEFAULT);
    }

    /** A parser enforcing {@code limits}. */
    public HttpRequestParser(HttpLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.maxRequestLine = limits.maxRequestLineLength();
        this.maxSection = limits.maxHeaderSectionLength();
        this.maxFields = limits.maxHeaderCount();
        this.maxBody = limits.maxBodyLength();
        this.maxChunkLine = limits.maxChunkLineLength();
        this.fields = new int[4 * Math.min(maxFields, INITIAL_FIELDS)];
        reset();
    }

    /** The limits this parser enforces. */
    public HttpLimits limits() {
        return limits;
    }

    // =====================================================================================
    // driving
    // =====================================================================================

    /**
     * Same as {@link #parse(ByteBuffer, int) parse(buf, buf.position())}: for a buffer in fill
     * mode, as a channel read leaves it, whose received bytes are those before its position.
     */
    public int parse(ByteBuffer buf) {
        return parse(buf, buf.position());
    }

    /**
     * Continues parsing with the bytes received so far, which are {@code buf}'s bytes at indices
     * {@code [requestStart(), end)}; returns the next event (see the class description). Bytes
     * before {@link #position()} were already parsed and are not looked at again; bytes at
     * {@code end} and beyond are never read. Neither the buffer's content nor its position or
     * limit change.
     *
     * @param buf the connection's receive buffer; the same buffer (or one with the same content
     *     at the same indices) on every call for a request
     * @param end the index after the last received byte
     * @return {@link #NEED_MORE}, {@link #HEAD_COMPLETE}, {@link #BODY_DATA},
     *     {@link #MESSAGE_COMPLETE} or {@link #ERROR}
     * @throws IllegalArgumentException if {@code end} is before {@link #position()} (bytes were
     *     discarded without {@link #shift}) or beyond the buffer's limit
     */
    public int parse(ByteBuffer buf, int end) {
        if (state == ST_ERROR) {
            return ERROR;
        }
        if (end < pos || end > buf.limit()) {
            throw new IllegalArgumentException("end " + end + " outside [" + pos + ", " + buf.limit() + "]");
        }
        this.buf = buf;
        int p = pos;
        int st = state;
        if (st == ST_START && buf.hasArray()) {
            int r = headInOnePass(buf, p, end);
            if (r != RETRY_BY_STATE) {
                return r;
            }
            int rs = requestStart;
            startRequest(rs); // forget what the single pass recorded; the state machine redoes it
            pos = p;
        }
        outer:
        for (;;) {
            switch (st) {
                case ST_START -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    byte c = buf.get(p);
                    if (c == CR) {
                        if (p - requestStart >= maxRequestLine) {
                            return fail(400, R_EMPTY_LINES, p);
                        }
                        p++;
                        st = ST_START_LF;
                        continue;
                    }
                    if (!Ascii.isTchar(c)) {
                        return fail(400, c == LF ? R_BARE_LF : R_METHOD, p);
                    }
                    methodStart = p;
                    lineLimit = saturatedAdd(p, maxRequestLine);
                    st = ST_METHOD;
                }
                case ST_START_LF -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    if (buf.get(p) != LF) {
                        return fail(400, R_BARE_CR, p);
                    }
                    p++;
                    st = ST_START;
                }
                case ST_METHOD -> {
                    int lim = Math.min(end, lineLimit);
                    while (p < lim) {
                        byte c = buf.get(p);
                        if (Ascii.isTchar(c)) {
                            p++;
                            continue;
                        }
                        if (c != SP) {
                            return fail(400, c == LF ? R_BARE_LF : R_METHOD, p);
                        }
                        methodLength = p - methodStart;
                        method = classifyMethod(buf, methodStart, methodLength);
                        p++;
                        targetStart = p;
                        targetFlags = 0xFF;
                        queryIndex = -1;
                        firstColon = -1;
                        st = ST_TARGET;
                        continue outer;
                    }
                    if (p >= lineLimit) {
                        return fail(501, R_METHOD_TOO_LONG, p);
                    }
                    return suspend(p, st);
                }
                case ST_TARGET -> {
                    int lim = Math.min(end, lineLimit);
                    int flags = targetFlags;
                    while (p < lim) {
                        byte c = buf.get(p);
                        int f = Ascii.flags(c);
                        if ((f & Ascii.TARGET) != 0) {
                            if (c == '?') {
                                if (queryIndex < 0) {
                                    queryIndex = p;
                                }
                            } else if (c == ':' && firstColon < 0) {
                                firstColon = p;
                            }
                            flags &= f;
                            p++;
                            continue;
                        }
                        targetFlags = flags;
                        if (c != SP || p == targetStart) {
                            return fail(400, c == LF ? R_BARE_LF : R_TARGET, p);
                        }
                        targetLength = p - targetStart;
                        if (!validTargetForm(buf)) {
                            return fail(400, R_TARGET, p);
                        }
                        p++;
                        versionStart = p;
                        st = ST_VERSION;
                        continue outer;
                    }
                    targetFlags = flags;
                    if (p >= lineLimit) {
                        return fail(414, R_URI_TOO_LONG, p);
                    }
                    return suspend(p, st);
                }
                case ST_VERSION -> {
                    int lim = Math.min(end, lineLimit);
                    while (p < lim) {
                        int i = p - versionStart;
                        byte c = buf.get(p);
                        boolean ok = i < 5 ? c == HTTP_SLASH[i] : i == 6 ? c == '.' : Ascii.isDigit(c);
                        if (!ok) {
                            return fail(400, c == LF ? R_BARE_LF : R_VERSION, p);
                        }
                        p++;
                        if (i == 7) {
                            st = ST_LINE_CR;
                            continue outer;
                        }
                    }
                    if (p >= lineLimit) {
                        return fail(414, R_URI_TOO_LONG, p);
                    }
                    return suspend(p, st);
                }
                case ST_LINE_CR -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    byte c = buf.get(p);
                    if (c != CR) {
                        return fail(400, c == LF ? R_BARE_LF : R_VERSION, p);
                    }
                    p++;
                    st = ST_LINE_LF;
                }
                case ST_LINE_LF -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    if (buf.get(p) != LF) {
                        return fail(400, R_BARE_CR, p);
                    }
                    p++;
                    if (buf.get(versionStart + 5) != '1') {
                        return fail(505, R_VERSION_UNSUPPORTED, p);
                    }
                    version = buf.get(versionStart + 7) == '0' ? VERSION_1_0 : VERSION_1_1;
                    sectionLimit = saturatedAdd(p, maxSection);
                    st = ST_FIELD_START;
                }
                case ST_FIELD_START -> {
                    if (p >= sectionLimit) {
                        return fail(431, R_HEADERS_TOO_LARGE, p);
                    }
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    byte c = buf.get(p);
                    if (c == CR) {
                        p++;
                        st = ST_SECTION_LF;
                    } else if (Ascii.isTchar(c)) {
                        if (fieldCount >= maxFields) {
                            return fail(431, R_TOO_MANY_FIELDS, p);
                        }
                        nameStart = p;
                        p++;
                        st = ST_FIELD_NAME;
                    } else if (c == SP || c == HTAB) {
                        boolean first = fieldCount == (inTrailers ? headerCount : 0);
                        return fail(400, first ? R_LEADING_WS : R_OBS_FOLD, p);
                    } else {
                        return fail(400, c == LF ? R_BARE_LF : R_FIELD_NAME, p);
                    }
                }
                case ST_FIELD_NAME -> {
                    int lim = Math.min(end, sectionLimit);
                    while (p < lim) {
                        byte c = buf.get(p);
                        if (Ascii.isTchar(c)) {
                            p++;
                            continue;
                        }
                        if (c != ':') {
                            return fail(400, c == SP || c == HTAB ? R_WS_BEFORE_COLON
                                    : c == LF ? R_BARE_LF : R_FIELD_NAME, p);
                        }
                        nameLength = p - nameStart;
                        p++;
                        st = ST_FIELD_OWS;
                        continue outer;
                    }
                    if (p >= sectionLimit) {
                        return fail(431, R_HEADERS_TOO_LARGE, p);
                    }
                    return suspend(p, st);
                }
                case ST_FIELD_OWS -> {
                    int lim = Math.min(end, sectionLimit);
                    while (p < lim) {
                        byte c = buf.get(p);
                        if (c == SP || c == HTAB) {
                            p++;
                            continue;
                        }
                        if (c == CR) {
                            valueStart = p;
                            valueEnd = p;
                            p++;
                            st = ST_FIELD_LF;
                            continue outer;
                        }
                        if (!Ascii.isFieldVchar(c)) {
                            return fail(400, c == LF ? R_BARE_LF : R_FIELD_VALUE, p);
                        }
                        valueStart = p;
                        p++;
                        valueEnd = p;
                        st = ST_FIELD_VALUE;
                        continue outer;
                    }
                    if (p >= sectionLimit) {
                        return fail(431, R_HEADERS_TOO_LARGE, p);
                    }
                    return suspend(p, st);
                }
                case ST_FIELD_VALUE -> {
                    int lim = Math.min(end, sectionLimit);
                    int ve = valueEnd;
                    while (p < lim) {
                        byte c = buf.get(p);
                        if (Ascii.isFieldVchar(c)) {
                            p++;
                            ve = p;
                            continue;
                        }
                        if (c == SP || c == HTAB) {
                            p++;
                            continue;
                        }
                        valueEnd = ve;
                        if (c != CR) {
                            return fail(400, c == LF ? R_BARE_LF : R_FIELD_VALUE, p);
                        }
                        p++;
                        st = ST_FIELD_LF;
                        continue outer;
                    }
                    valueEnd = ve;
                    if (p >= sectionLimit) {
                        return fail(431, R_HEADERS_TOO_LARGE, p);
                    }
                    return suspend(p, st);
                }
                case ST_FIELD_LF -> {
                    if (p >= sectionLimit) {
                        return fail(431, R_HEADERS_TOO_LARGE, p);
                    }
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    if (buf.get(p) != LF) {
                        return fail(400, R_BARE_CR, p);
                    }
                    p++;
                    int i = fieldCount;
                    storeField(i);
                    fieldCount = i + 1;
                    if (!inTrailers && !onHeader(buf, i)) {
                        pos = p;
                        return ERROR;
                    }
                    st = ST_FIELD_START;
                }
                case ST_SECTION_LF -> {
                    if (p >= sectionLimit) {
                        return fail(431, R_HEADERS_TOO_LARGE, p);
                    }
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    if (buf.get(p) != LF) {
                        return fail(400, R_BARE_CR, p);
                    }
                    p++;
                    if (inTrailers) {
                        return emit(p, ST_COMPLETE, MESSAGE_COMPLETE);
                    }
                    headerCount = fieldCount;
                    if (!finishHead()) {
                        pos = p;
                        return ERROR;
                    }
                    return headComplete(p);
                }
                case ST_BODY, ST_CHUNK_DATA -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    int n = (int) Math.min(end - p, bodyRemaining);
                    bodyOffset = p;
                    bodyLength = n;
                    p += n;
                    bodyRemaining -= n;
                    bodyReceived += n;
                    if (bodyRemaining == 0) {
                        st = st == ST_BODY ? ST_COMPLETE : ST_CHUNK_DATA_CR;
                    }
                    return emit(p, st, BODY_DATA);
                }
                case ST_CHUNK_SIZE_START -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    byte c = buf.get(p);
                    int h = Ascii.hexValue(c);
                    if (h < 0) {
                        return fail(400, c == LF ? R_BARE_LF : R_CHUNK_SIZE, p);
                    }
                    chunkSize = h;
                    chunkLineLimit = saturatedAdd(p, maxChunkLine);
                    p++;
                    st = ST_CHUNK_SIZE;
                }
                case ST_CHUNK_SIZE -> {
                    int lim = Math.min(end, chunkLineLimit);
                    long size = chunkSize;
                    while (p < lim) {
                        byte c = buf.get(p);
                        int h = Ascii.hexValue(c);
                        if (h >= 0) {
                            if (size > (Long.MAX_VALUE >> 4)) {
                                return fail(400, R_CHUNK_OVERFLOW, p);
                            }
                            size = (size << 4) | h;
                            p++;
                            continue;
                        }
                        chunkSize = size;
                        if (c == CR) {
                            st = ST_CHUNK_LINE_LF;
                        } else if (c == ';') {
                            st = ST_EXT_BEFORE_NAME;
                        } else if (c == SP || c == HTAB) {
                            st = ST_EXT_BEFORE_SEMI;
                        } else {
                            return fail(400, c == LF ? R_BARE_LF : R_CHUNK_SIZE, p);
                        }
                        p++;
                        continue outer;
                    }
                    chunkSize = size;
                    if (p >= chunkLineLimit) {
                        int r = chunkLineAtLimit(buf, p, end, st);
                        if (r != NEED_MORE || state != ST_CHUNK_LINE_LF) {
                            return r;
                        }
                        p = pos;
                        st = ST_CHUNK_LINE_LF;
                        continue;
                    }
                    return suspend(p, st);
                }
                case ST_EXT_BEFORE_SEMI, ST_EXT_BEFORE_NAME, ST_EXT_NAME, ST_EXT_AFTER_NAME,
                        ST_EXT_BEFORE_VALUE, ST_EXT_TOKEN_VALUE, ST_EXT_QUOTED, ST_EXT_QUOTED_ESCAPE,
                        ST_EXT_AFTER_QUOTED -> {
                    int lim = Math.min(end, chunkLineLimit);
                    while (p < lim) {
                        byte c = buf.get(p);
                        int next = extensionTransition(st, c);
                        if (next < 0) {
                            return fail(400, c == LF ? R_BARE_LF : R_CHUNK_EXT, p);
                        }
                        p++;
                        st = next;
                        if (next == ST_CHUNK_LINE_LF) {
                            continue outer;
                        }
                    }
                    if (p >= chunkLineLimit) {
                        int r = chunkLineAtLimit(buf, p, end, st);
                        if (r != NEED_MORE || state != ST_CHUNK_LINE_LF) {
                            return r;
                        }
                        p = pos;
                        st = ST_CHUNK_LINE_LF;
                        continue;
                    }
                    return suspend(p, st);
                }
                case ST_CHUNK_LINE_LF -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    if (buf.get(p) != LF) {
                        return fail(400, R_BARE_CR, p);
                    }
                    p++;
                    if (chunkSize == 0) {
                        inTrailers = true;
                        trailerStart = p;
                        sectionLimit = saturatedAdd(p, maxSection);
                        st = ST_FIELD_START;
                        continue;
                    }
                    if (chunkSize > maxBody - chunkedTotal) {
                        return fail(413, R_BODY_TOO_LARGE, p);
                    }
                    chunkedTotal += chunkSize;
                    bodyRemaining = chunkSize;
                    st = ST_CHUNK_DATA;
                }
                case ST_CHUNK_DATA_CR -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    byte c = buf.get(p);
                    if (c != CR) {
                        return fail(400, c == LF ? R_BARE_LF : R_CHUNK_DATA_END, p);
                    }
                    p++;
                    st = ST_CHUNK_DATA_LF;
                }
                case ST_CHUNK_DATA_LF -> {
                    if (p >= end) {
                        return suspend(p, st);
                    }
                    if (buf.get(p) != LF) {
                        return fail(400, R_BARE_CR, p);
                    }
                    p++;
                    st = ST_CHUNK_SIZE_START;
                }
                case ST_COMPLETE -> {
                    return emit(p, st, MESSAGE_COMPLETE);
                }
                default -> throw new IllegalStateException("state " + st);
            }
        }
    }

    /**
     * The chunk line has reached its length limit at {@code p}: only its CR may follow. Consumes
     * that CR (leaving state ST_CHUNK_LINE_LF), waits for it, or fails.
     */
    private int chunkLineAtLimit(ByteBuffer buf, int p, int end, int st) {
        if (p >= end) {
            return suspend(p, st);
        }
        byte c = buf.get(p);
        if (c != CR) {
            return fail(400, R_CHUNK_LINE_TOO_LONG, p);
        }
        if (st != ST_CHUNK_SIZE && extensionTransition(st, c) != ST_CHUNK_LINE_LF) {
            return fail(400, R_CHUNK_EXT, p);
        }
        return suspend(p + 1, ST_CHUNK_LINE_LF);
    }

    /** {@link #headInOnePass} result: not handled there; parse with the state machine instead. */
    private static final int RETRY_BY_STATE = -2;

    /**
     * The common case in one pass: a whole request head, already received, in a heap buffer,
     * made only of the byte classes that need no decision. Reads the array directly and walks
     * the head once, without the state machine's per-state dispatch and stores, using the same
     * checks and recording the same offsets as the state machine; then returns what
     * {@code parse} would ({@link #HEAD_COMPLETE}).
     *
     * <p>Anything else returns {@link #RETRY_BY_STATE} and the caller runs the state machine
     * from the request's start, which decides: the head is incomplete or breaks a limit, a byte
     * is not one the pass expects (empty lines before the request, obs-fold, a bare CR or LF,
     * controls), the version is not {@code HTTP/1.x}, or a field fails its semantic check
     * ({@link #onHeader}, {@link #finishHead}). So this pass accepts a subset of what the state
     * machine accepts and never decides an error itself: every error comes from one place.
     */
    private int headInOnePass(ByteBuffer buffer, int start, int end) {
        byte[] a = buffer.array();
        int off = buffer.arrayOffset();
        if (off + end > a.length) {
            return RETRY_BY_STATE;
        }
        int lineEnd = off + Math.min(end, saturatedAdd(start, maxRequestLine));
        int k = off + start;
        // method
        int m0 = k;
        while (k < lineEnd && Ascii.isTchar(a[k])) {
            k++;
        }
        if (k == m0 || k >= lineEnd || a[k] != SP) {
            return RETRY_BY_STATE;
        }
        int mLen = k - m0;
        // request-target
        int t0 = ++k;
        int flags = 0xFF;
        int query = -1;
        int colon = -1;
        while (k < lineEnd) {
            byte c = a[k];
            int f = Ascii.flags(c);
            if ((f & Ascii.TARGET) == 0) {
                break;
            }
            if (c == '?') {
                if (query < 0) {
                    query = k;
                }
            } else if (c == ':' && colon < 0) {
                colon = k;
            }
            flags &= f;
            k++;
        }
        if (k == t0 || k >= lineEnd || a[k] != SP) {
            return RETRY_BY_STATE;
        }
        int tLen = k - t0;
        // HTTP-version: "HTTP/1." DIGIT, inside the request-line limit, then CRLF
        int v0 = ++k;
        if (v0 + 8 > lineEnd || v0 + 10 > off + end
                || a[v0] != 'H' || a[v0 + 1] != 'T' || a[v0 + 2] != 'T' || a[v0 + 3] != 'P' || a[v0 + 4] != '/'
                || a[v0 + 5] != '1' || a[v0 + 6] != '.' || !Ascii.isDigit(a[v0 + 7])
                || a[v0 + 8] != CR || a[v0 + 9] != LF) {
            return RETRY_BY_STATE;
        }
        methodStart = m0 - off;
        methodLength = mLen;
        method = mLen == 3 && a[m0] == 'G' && a[m0 + 1] == 'E' && a[m0 + 2] == 'T'
                ? HttpMethod.GET : classifyMethod(buffer, m0 - off, mLen);
        targetStart = t0 - off;
        targetLength = tLen;
        targetFlags = flags;
        queryIndex = query < 0 ? -1 : query - off;
        firstColon = colon < 0 ? -1 : colon - off;
        if (!validTargetForm(buffer)) {
            return RETRY_BY_STATE;
        }
        versionStart = v0 - off;
        version = a[v0 + 7] == '0' ? VERSION_1_0 : VERSION_1_1;
        k = v0 + 10;
        lineLimit = saturatedAdd(start, maxRequestLine);
        sectionLimit = saturatedAdd(k - off, maxSection);
        int sectionEnd = off + Math.min(end, sectionLimit);
        // field lines, up to the empty line
        for (;;) {
            if (k >= sectionEnd) {
                return RETRY_BY_STATE;
            }
            byte c = a[k];
            if (c == CR) {
                if (k + 1 >= sectionEnd || a[k + 1] != LF) {
                    return RETRY_BY_STATE;
                }
                k += 2;
                break;
            }
            if (!Ascii.isTchar(c) || fieldCount >= maxFields) {
                return RETRY_BY_STATE;
            }
            int n0 = k++;
            while (k < sectionEnd && Ascii.isTchar(a[k])) {
                k++;
            }
            if (k >= sectionEnd || a[k] != ':') {
                return RETRY_BY_STATE;
            }
            int nLen = k - n0;
            k++;
            while (k < sectionEnd && (a[k] == SP || a[k] == HTAB)) {
                k++;
            }
            int valueFrom = k;
            int valueTo = k;
            while (k < sectionEnd) {
                if (k + 8 <= sectionEnd && allVisible((long) LONGS.get(a, k))) {
                    k += 8; // eight visible bytes at once: the bulk of long values
                    valueTo = k;
                    continue;
                }
                byte v = a[k];
                if (Ascii.isFieldVchar(v)) {
                    valueTo = ++k;
                } else if (v == SP || v == HTAB) {
                    k++;
                } else {
                    break;
                }
            }
            if (k + 1 >= sectionEnd || a[k] != CR || a[k + 1] != LF) {
                return RETRY_BY_STATE;
            }
            k += 2;
            nameStart = n0 - off;
            nameLength = nLen;
            valueStart = valueFrom - off;
            valueEnd = valueTo - off;
            int i = fieldCount;
            storeField(i);
            fieldCount = i + 1;
            if (!onHeader(buffer, i)) {
                return RETRY_BY_STATE;
            }
        }
        headerCount = fieldCount;
        if (!finishHead()) {
            return RETRY_BY_STATE;
        }
        return headComplete(k - off);
    }

    /** After a complete, valid head ending at {@code p}: the state its framing leads to; {@link #HEAD_COMPLETE}. */
    private int headComplete(int p) {
        int st;
        if (chunked) {
            st = ST_CHUNK_SIZE_START;
        } else if (contentLength > 0) {
            bodyRemaining = contentLength;
            st = ST_BODY;
        } else {
            st = ST_COMPLETE;
        }
        return emit(p, st, HEAD_COMPLETE);
    }

    /** Eight bytes of a heap array at any index, in one read. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * True if all eight bytes of {@code w} are field-vchars: {@code 0x21..0x7E} or obs-text
     * ({@code >= 0x80}); false if any is a control, SP or DEL. Borrow-based byte tests (a byte
     * below {@code n} borrows from its high bit): exact about whether any byte matches, which is
     * all this needs.
     */
    private static boolean allVisible(long w) {
        long belowBang = (w - 0x21 * ONES) & ~w;
        long x = w ^ (0x7F * ONES);
        long del = (x - ONES) & ~x;
        return ((belowBang | del) & HIGH_BITS) == 0;
    }

    /** Saves the cursor and state; returns {@link #NEED_MORE}. */
    private int suspend(int p, int st) {
        pos = p;
        state = st;
        return NEED_MORE;
    }

    /** Saves the cursor and state; returns {@code event}. */
    private int emit(int p, int st, int event) {
        pos = p;
        state = st;
        return event;
    }

    private int fail(int status, String reason, int p) {
        error(status, reason);
        pos = p;
        return ERROR;
    }

    private boolean error(int status, String reason) {
        state = ST_ERROR;
        errorStatus = status;
        errorReason = reason;
        keepAlive = false;
        return false;
    }

    private static int saturatedAdd(int a, int b) {
        long s = (long) a + b;
        return s > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) s;
    }

    /**
     * Chunk-extension grammar, RFC 9112 §7.1.1:
     * {@code *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ) CRLF}.
     * Returns the next state, or -1 if {@code c} is not allowed.
     */
    private static int extensionTransition(int st, byte c) {
        boolean ws = c == SP || c == HTAB;
        return switch (st) {
            case ST_EXT_BEFORE_SEMI -> ws ? st : c == ';' ? ST_EXT_BEFORE_NAME : -1;
            case ST_EXT_BEFORE_NAME -> ws ? st : Ascii.isTchar(c) ? ST_EXT_NAME : -1;
            case ST_EXT_NAME -> Ascii.isTchar(c) ? st
                    : ws ? ST_EXT_AFTER_NAME
                    : c == '=' ? ST_EXT_BEFORE_VALUE
                    : c == ';' ? ST_EXT_BEFORE_NAME
                    : c == CR ? ST_CHUNK_LINE_LF : -1;
            case ST_EXT_AFTER_NAME -> ws ? st
                    : c == '=' ? ST_EXT_BEFORE_VALUE
                    : c == ';' ? ST_EXT_BEFORE_NAME : -1;
            case ST_EXT_BEFORE_VALUE -> ws ? st
                    : c == '"' ? ST_EXT_QUOTED
                    : Ascii.isTchar(c) ? ST_EXT_TOKEN_VALUE : -1;
            case ST_EXT_TOKEN_VALUE -> Ascii.isTchar(c) ? st
                    : ws ? ST_EXT_BEFORE_SEMI
                    : c == ';' ? ST_EXT_BEFORE_NAME
                    : c == CR ? ST_CHUNK_LINE_LF : -1;
            case ST_EXT_QUOTED -> c == '"' ? ST_EXT_AFTER_QUOTED
                    : c == '\\' ? ST_EXT_QUOTED_ESCAPE
                    : Ascii.is(c, Ascii.QDTEXT) ? st : -1;
            case ST_EXT_QUOTED_ESCAPE -> ws || Ascii.isFieldVchar(c) ? ST_EXT_QUOTED : -1;
            case ST_EXT_AFTER_QUOTED -> ws ? ST_EXT_BEFORE_SEMI
                    : c == ';' ? ST_EXT_BEFORE_NAME
                    : c == CR ? ST_CHUNK_LINE_LF : -1;
            default -> -1;
        };
    }

    private static int classifyMethod(ByteBuffer buf, int start, int length) {
        for (int m = HttpMethod.GET; m <= HttpMethod.CONNECT; m++) {
            if (Ascii.regionEquals(buf, start, length, METHODS[m])) {
                return m;
            }
        }
        return HttpMethod.EXTENSION;
    }

    /** RFC 9112 §3.2: which target forms the method allows. */
    private boolean validTargetForm(ByteBuffer buf) {
        byte first = buf.get(targetStart);
        if (method == HttpMethod.CONNECT) {
            // authority-form: uri-host ":" port, nothing else
            return (targetFlags & Ascii.HOST) != 0 && firstColon > targetStart;
        }
        if (first == '/') {
            return true; // origin-form
        }
        if (first == '*') {
            return targetLength == 1 && method == HttpMethod.OPTIONS; // asterisk-form
        }
        // absolute-form: scheme ":" ...
        if (!Ascii.isAlpha(first) || firstColon < 0) {
            return false;
        }
        for (int i = targetStart + 1; i < firstColon; i++) {
            if (!Ascii.is(buf.get(i), Ascii.SCHEME)) {
                return false;
            }
        }
        return true;
    }

    private void storeField(int i) {
        int k = 4 * i;
        if (k == fields.length) {
            fields = Arrays.copyOf(fields, 4 * Math.min(maxFields, 2 * i));
        }
        fields[k] = nameStart;
        fields[k + 1] = nameLength;
        fields[k + 2] = valueStart;
        fields[k + 3] = valueEnd - valueStart;
    }

    /** Interprets a header field that affects framing or persistence; false on error. */
    private boolean onHeader(ByteBuffer buf, int index) {
        switch (nameLength) {
            case 4 -> {
                if (Ascii.regionEqualsIgnoreCase(buf, nameStart, 4, HOST)) {
                    return onHost(buf, index);
                }
            }
            case 6 -> {
                if (Ascii.regionEqualsIgnoreCase(buf, nameStart, 6, EXPECT)
                        && Ascii.regionEqualsIgnoreCase(buf, valueStart, valueEnd - valueStart, CONTINUE_100)
                        && version == VERSION_1_1) {
                    expectContinue = true;
                }
            }
            case 10 -> {
                if (Ascii.regionEqualsIgnoreCase(buf, nameStart, 10, CONNECTION)) {
                    return onConnection(buf);
                }
            }
            case 14 -> {
                if (Ascii.regionEqualsIgnoreCase(buf, nameStart, 14, CONTENT_LENGTH)) {
                    return onContentLength(buf);
                }
            }
            case 17 -> {
                if (Ascii.regionEqualsIgnoreCase(buf, nameStart, 17, TRANSFER_ENCODING)) {
                    return onTransferEncoding(buf);
                }
            }
            default -> { }
        }
        return true;
    }

    private boolean onHost(ByteBuffer buf, int index) {
        if (hostIndex >= 0) {
            return error(400, R_HOST_REPEATED);
        }
        hostIndex = index;
        for (int i = valueStart; i < valueEnd; i++) {
            if (!Ascii.is(buf.get(i), Ascii.HOST)) {
                return error(400, R_HOST_INVALID);
            }
        }
        return true;
    }

    private boolean onContentLength(ByteBuffer buf) {
        if (contentLengthSeen) {
            return error(400, R_CL_REPEATED);
        }
        contentLengthSeen = true;
        if (valueStart == valueEnd) {
            return error(400, R_CL_INVALID);
        }
        long v = 0;
        for (int i = valueStart; i < valueEnd; i++) {
            byte c = buf.get(i);
            if (!Ascii.isDigit(c)) {
                return error(400, R_CL_INVALID);
            }
            int d = c - '0';
            v = v > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : v * 10 + d; // saturate: 413 later
        }
        contentLength = v;
        return true;
    }

    /** One Transfer-Encoding field line: {@code #transfer-coding}, RFC 9112 §6.1. */
    private boolean onTransferEncoding(ByteBuffer buf) {
        teSeen = true;
        int i = valueStart;
        int e = valueEnd;
        while (i < e) {
            byte c = buf.get(i);
            if (c == ',' || c == SP || c == HTAB) {
                i++; // empty list elements and OWS
                continue;
            }
            if (!Ascii.isTchar(c)) {
                return error(400, R_TE_INVALID);
            }
            int s = i;
            while (i < e && Ascii.isTchar(buf.get(i))) {
                i++;
            }
            boolean isChunked = Ascii.regionEqualsIgnoreCase(buf, s, i - s, CHUNKED);
            while (i < e && Ascii.isWhitespace(buf.get(i))) {
                i++;
            }
            if (i < e && buf.get(i) == ';') {
                if (isChunked) {
                    return error(400, R_TE_INVALID); // chunked has no parameters
                }
                while (i < e && buf.get(i) != ',') {
                    i++; // parameters of a coding we reject anyway
                }
            } else if (i < e && buf.get(i) != ',') {
                return error(400, R_TE_INVALID);
            }
            if (isChunked) {
                if (teChunked) {
                    return error(400, R_TE_CHUNKED_TWICE);
                }
                teChunked = true;
                teLastChunked = true;
            } else {
                teOther = true;
                teLastChunked = false;
            }
        }
        return true;
    }

    /** {@code #connection-option}, RFC 9110 §7.6.1; only close and keep-alive matter here. */
    private boolean onConnection(ByteBuffer buf) {
        int i = valueStart;
        int e = valueEnd;
        while (i < e) {
            byte c = buf.get(i);
            if (c == ',' || c == SP || c == HTAB) {
                i++;
                continue;
            }
            if (!Ascii.isTchar(c)) {
                return error(400, R_CONNECTION_INVALID);
            }
            int s = i;
            while (i < e && Ascii.isTchar(buf.get(i))) {
                i++;
            }
            if (Ascii.regionEqualsIgnoreCase(buf, s, i - s, CLOSE)) {
                connectionClose = true;
            } else if (Ascii.regionEqualsIgnoreCase(buf, s, i - s, KEEP_ALIVE)) {
                connectionKeepAlive = true;
            }
            while (i < e && Ascii.isWhitespace(buf.get(i))) {
                i++;
            }
            if (i < e && buf.get(i) != ',') {
                return error(400, R_CONNECTION_INVALID);
            }
        }
        return true;
    }

    /** Decides the framing once the header section is complete; false on error. */
    private boolean finishHead() {
        if (version == VERSION_1_1 && hostIndex < 0) {
            return error(400, R_HOST_MISSING);
        }
        if (teSeen) {
            if (version == VERSION_1_0) {
                return error(400, R_TE_HTTP10);
            }
            if (contentLengthSeen) {
                return error(400, R_TE_WITH_CL);
            }
            if (!teLastChunked) {
                return error(400, R_TE_NOT_CHUNKED);
            }
            if (teOther) {
                return error(501, R_TE_UNSUPPORTED);
            }
            chunked = true;
            contentLength = -1;
        } else if (contentLengthSeen) {
            if (contentLength > maxBody) {
                return error(413, R_BODY_TOO_LARGE);
            }
        } else {
            contentLength = 0;
        }
        keepAlive = !connectionClose && (version == VERSION_1_1 || connectionKeepAlive);
        return true;
    }

    /**
     * Starts parsing the next request where the completed one ended ({@link #position()}): the
     * way to handle pipelined requests, and the normal step after each response on a
     * persistent connection. Invalidates every accessor of the previous request. Does nothing
     * after an error: a failed parser stays failed.
     *
     * @throws IllegalStateException if the current request is not complete: neither was
     *     {@link #MESSAGE_COMPLETE} returned nor is {@link #isComplete()} true
     */
    public void nextRequest() {
        if (state == ST_ERROR) {
            return;
        }
        if (state != ST_COMPLETE) {
            throw new IllegalStateException("the current request is not complete");
        }
        startRequest(pos);
    }

    /**
     * Forgets everything, including an error, and expects a request at index 0: for reusing the
     * parser on a new connection or after the caller cleared its buffer.
     */
    public void reset() {
        startRequest(0);
        errorStatus = 0;
        errorReason = null;
        buf = null;
    }

    private void startRequest(int at) {
        state = ST_START;
        pos = at;
        requestStart = at;
        lineLimit = 0;
        methodStart = at;
        methodLength = 0;
        method = HttpMethod.EXTENSION;
        targetStart = at;
        targetLength = 0;
        targetFlags = 0xFF;
        queryIndex = -1;
        firstColon = -1;
        versionStart = at;
        version = 0;
        sectionLimit = 0;
        fieldCount = 0;
        headerCount = 0;
        inTrailers = false;
        trailerStart = at;
        nameStart = at;
        nameLength = 0;
        valueStart = at;
        valueEnd = at;
        contentLengthSeen = false;
        contentLength = 0;
        teSeen = false;
        teChunked = false;
        teLastChunked = false;
        teOther = false;
        connectionClose = false;
        connectionKeepAlive = false;
        expectContinue = false;
        hostIndex = -1;
        chunked = false;
        keepAlive = false;
        bodyRemaining = 0;
        bodyReceived = 0;
        chunkedTotal = 0;
        chunkSize = 0;
        chunkLineLimit = 0;
        bodyOffset = at;
        bodyLength = 0;
    }

    /**
     * Tells the parser that the caller removed the first {@code delta} bytes of the buffer and
     * moved the rest down (as {@link ByteBuffer#compact()} does), so every recorded index drops
     * by {@code delta}. Only already-parsed bytes may be removed. If {@code delta} exceeds
     * {@link #requestStart()}, the current request's head (method, target, header offsets) was
     * discarded and its accessors return meaningless offsets until {@link #nextRequest()}; the
     * parsed meaning ({@link #contentLength()}, {@link #keepAlive()}, ...) stays valid.
     *
     * @throws IllegalArgumentException if {@code delta} is negative or exceeds {@link #position()}
     */
    public void shift(int delta) {
        if (delta < 0 || delta > pos) {
            throw new IllegalArgumentException("delta " + delta + " outside [0, " + pos + "]");
        }
        move(delta);
    }

    /**
     * Tells the parser that the input continues at index {@code position} instead of at
     * {@link #position()}: for a server that parses each received chunk where it lies (for
     * example in a buffer lent by the event loop) rather than accumulating the bytes. Allowed
     * only when the parser references no byte before its position, that is when
     * {@link #retainFrom()} {@code == position()}: between requests, in a body, or on a chunk
     * line. Every recorded index moves by the same amount, so {@link #contentLength()},
     * {@link #keepAlive()} and the other parsed values stay valid; the head's offsets, already
     * dispatched, no longer point at anything meaningful.
     *
     * @throws IllegalStateException if the parser still references earlier bytes
     * @throws IllegalArgumentException if {@code position} is negative
     */
    public void rebase(int position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        if (retainFrom() != pos) {
            throw new IllegalStateException("the parser still references bytes before its position");
        }
        move(pos - position);
    }

    /**
     * The first index the parser still needs for the element it is in the middle of: the
     * method's first byte while the head is incomplete (every field is an offset after it; empty
     * lines skipped before a request are not needed), the
     * start of the trailer section while trailers are parsed, and {@link #position()}
     * otherwise (between requests, in a body, on a chunk line, after completion or an error).
     * A caller that keeps only the bytes from here on (moving them with {@link #shift}) loses
     * nothing the parser needs.
     */
    public int retainFrom() {
        return switch (state) {
            case ST_METHOD, ST_TARGET, ST_VERSION, ST_LINE_CR, ST_LINE_LF -> methodStart;
            case ST_FIELD_START, ST_FIELD_NAME, ST_FIELD_OWS, ST_FIELD_VALUE, ST_FIELD_LF, ST_SECTION_LF ->
                    inTrailers ? trailerStart : methodStart;
            default -> pos;
        };
    }

    private void move(int delta) {
        if (delta == 0) {
            return;
        }
        pos -= delta;
        requestStart -= delta;
        lineLimit = movedLimit(lineLimit, delta);
        methodStart -= delta;
        targetStart -= delta;
        if (queryIndex >= 0) {
            queryIndex -= delta;
        }
        if (firstColon >= 0) {
            firstColon -= delta;
        }
        versionStart -= delta;
        sectionLimit = movedLimit(sectionLimit, delta);
        trailerStart -= delta;
        nameStart -= delta;
        valueStart -= delta;
        valueEnd -= delta;
        chunkLineLimit = movedLimit(chunkLineLimit, delta);
        bodyOffset -= delta;
        for (int k = 0, n = 4 * fieldCount; k < n; k += 4) {
            fields[k] -= delta;
            fields[k + 2] -= delta;
        }
    }

    /** A limit index moved down by {@code delta}, saturating like {@link #saturatedAdd}. */
    private static int movedLimit(int limit, int delta) {
        long v = (long) limit - delta;
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : v < Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) v;
    }

    // =====================================================================================
    // progress
    // =====================================================================================

    /** Index of the first byte not yet parsed: where the next call continues. */
    public int position() {
        return pos;
    }

    /** Index where the current request begins (where the previous one ended, or 0). */
    public int requestStart() {
        return requestStart;
    }

    /**
     * Whether no byte of the current request has been parsed yet (empty lines before a request
     * do not count): a connection that ends now ends cleanly between requests.
     */
    public boolean isIdle() {
        return state == ST_START;
    }

    /**
     * Whether the current request is completely parsed, so that {@link #nextRequest()} may be
     * called: true once {@link #MESSAGE_COMPLETE} was returned, but also already after the
     * {@link #HEAD_COMPLETE} of a request without a body, and after the {@link #BODY_DATA} that
     * delivered the last byte of a Content-Length body (the next {@code parse} call would return
     * {@code MESSAGE_COMPLETE}).
     */
    public boolean isComplete() {
        return state == ST_COMPLETE;
    }

    /** Whether the parser failed; see {@link #errorStatus()}. */
    public boolean isError() {
        return state == ST_ERROR;
    }

    /**
     * The status code for the error response (400, 413, 414, 431, 501, 505), or 0 if the
     * parser has not failed.
     */
    public int errorStatus() {
        return errorStatus;
    }

    /** A short constant description of the error, or {@code null} if the parser has not failed. */
    public String errorReason() {
        return errorReason;
    }

    // =====================================================================================
    // request line (valid from HEAD_COMPLETE until nextRequest)
    // =====================================================================================

    /** The method as an {@link HttpMethod} code. */
    public int method() {
        return method;
    }

    /** Index of the method's first byte. */
    public int methodOffset() {
        return methodStart;
    }

    /** Length of the method in bytes. */
    public int methodLength() {
        return methodLength;
    }

    /** Index of the request-target's first byte. */
    public int targetOffset() {
        return targetStart;
    }

    /** Length of the request-target in bytes. */
    public int targetLength() {
        return targetLength;
    }

    /**
     * Index of the first {@code '?'} of the request-target, or -1 if it has none: the path is
     * {@code [targetOffset(), queryIndex())}, the query {@code (queryIndex(), targetEnd)}.
     */
    public int queryIndex() {
        return queryIndex;
    }

    /** {@link #VERSION_1_0} or {@link #VERSION_1_1}. */
    public int version() {
        return version;
    }

    // =====================================================================================
    // framing (valid from HEAD_COMPLETE until nextRequest)
    // =====================================================================================

    /**
     * The body length declared by Content-Length, 0 if the request has no body, or -1 if the
     * body is chunked.
     */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the body uses the chunked transfer coding. */
    public boolean isChunked() {
        return chunked;
    }

    /** Whether the request has a body (chunked, or a Content-Length above 0). */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /**
     * Whether the connection may carry another request after this one's response (RFC 9112
     * §9.3): HTTP/1.1 without {@code Connection: close}, or HTTP/1.0 with
     * {@code Connection: keep-alive}. Always false after an error.
     */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** Whether an HTTP/1.1 request carries {@code Expect: 100-continue}. */
    public boolean expectContinue() {
        return expectContinue;
    }

    /** Index of the Host field among the headers, or -1 if absent (only possible in HTTP/1.0). */
    public int hostIndex() {
        return hostIndex;
    }

    // =====================================================================================
    // body
    // =====================================================================================

    /** Index of the body slice reported by the last {@link #BODY_DATA} event. */
    public int bodyOffset() {
        return bodyOffset;
    }

    /** Length of the body slice reported by the last {@link #BODY_DATA} event (always > 0). */
    public int bodyLength() {
        return bodyLength;
    }

    /** Body bytes reported so far for the current request. */
    public long bodyBytesReceived() {
        return bodyReceived;
    }

    // =====================================================================================
    // fields
    // =====================================================================================

    /** Number of header fields, in the order received (valid from HEAD_COMPLETE). */
    public int headerCount() {
        return headerCount;
    }

    /**
     * Number of trailer fields of a chunked body (valid at MESSAGE_COMPLETE). They follow the
     * headers in the field table: trailer {@code t} is field {@code headerCount() + t} for the
     * {@code header...} accessors.
     */
    public int trailerCount() {
        return inTrailers ? fieldCount - headerCount : 0;
    }

    /** Index of field {@code i}'s name; {@code i} ranges over headers then trailers. */
    public int headerNameOffset(int i) {
        return fields[4 * Objects.checkIndex(i, fieldCount)];
    }

    /** Length of field {@code i}'s name. */
    public int headerNameLength(int i) {
        return fields[4 * Objects.checkIndex(i, fieldCount) + 1];
    }

    /** Index of field {@code i}'s value (leading and trailing whitespace excluded). */
    public int headerValueOffset(int i) {
        return fields[4 * Objects.checkIndex(i, fieldCount) + 2];
    }

    /** Length of field {@code i}'s value (0 for an empty value). */
    public int headerValueLength(int i) {
        return fields[4 * Objects.checkIndex(i, fieldCount) + 3];
    }

    /**
     * Whether field {@code i}'s name equals {@code name}, ignoring ASCII case; allocation-free.
     * Pass a constant such as {@code "user-agent".getBytes(US_ASCII)} kept in a static field.
     */
    public boolean headerNameEquals(int i, byte[] name) {
        int k = 4 * Objects.checkIndex(i, fieldCount);
        return Ascii.regionEqualsIgnoreCase(buf, fields[k], fields[k + 1], name);
    }

    /** Whether field {@code i}'s value equals {@code value} exactly; allocation-free. */
    public boolean headerValueEquals(int i, byte[] value) {
        int k = 4 * Objects.checkIndex(i, fieldCount);
        return Ascii.regionEquals(buf, fields[k + 2], fields[k + 3], value);
    }

    /** Whether field {@code i}'s value equals {@code value} ignoring ASCII case; allocation-free. */
    public boolean headerValueEqualsIgnoreCase(int i, byte[] value) {
        int k = 4 * Objects.checkIndex(i, fieldCount);
        return Ascii.regionEqualsIgnoreCase(buf, fields[k + 2], fields[k + 3], value);
    }

    /**
     * Index of the first header (not trailer) field named {@code name}, ignoring ASCII case, or
     * -1; allocation-free.
     */
    public int findHeader(byte[] name) {
        return findField(name, 0, headerCount);
    }

    /**
     * Index of the first header field at or after {@code from} named {@code name}, or -1: for
     * walking the lines of a repeated field.
     */
    public int findHeader(byte[] name, int from) {
        return findField(name, Math.max(from, 0), headerCount);
    }

    /**
     * Field index (counting headers first, see {@link #trailerCount()}) of the first trailer
     * field named {@code name}, or -1; allocation-free.
     */
    public int findTrailer(byte[] name) {
        return findField(name, headerCount, headerCount + trailerCount());
    }

    private int findField(byte[] name, int from, int to) {
        for (int i = from; i < to; i++) {
            int k = 4 * i;
            if (fields[k + 1] == name.length && Ascii.regionEqualsIgnoreCase(buf, fields[k], name.length, name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The value of the first header field named {@code name} (ignoring case), or {@code null}.
     * <b>Allocates</b> a String (bytes decoded as ISO-8859-1): a convenience for tests, logs and
     * slow paths, not for the hot path; use {@link #findHeader(byte[])} there.
     */
    public String header(String name) {
        for (int i = 0; i < headerCount; i++) {
            int k = 4 * i;
            if (Ascii.regionEqualsIgnoreCase(buf, fields[k], fields[k + 1], name)) {
                return Ascii.latin1(buf, fields[k + 2], fields[k + 3]);
            }
        }
        return null;
    }

    /** Field {@code i}'s name as a String. <b>Allocates.</b> */
    public String headerName(int i) {
        int k = 4 * Objects.checkIndex(i, fieldCount);
        return Ascii.latin1(buf, fields[k], fields[k + 1]);
    }

    /** Field {@code i}'s value as an ISO-8859-1 String. <b>Allocates.</b> */
    public String headerValue(int i) {
        int k = 4 * Objects.checkIndex(i, fieldCount);
        return Ascii.latin1(buf, fields[k + 2], fields[k + 3]);
    }

    /** The request-target as a String. <b>Allocates.</b> */
    public String target() {
        return Ascii.latin1(buf, targetStart, targetLength);
    }

    /** The method's name: a constant for known methods; <b>allocates</b> for extension methods. */
    public String methodName() {
        return method != HttpMethod.EXTENSION ? HttpMethod.name(method) : Ascii.latin1(buf, methodStart, methodLength);
    }

    // =====================================================================================
    // comparisons for callers
    // =====================================================================================

    /**
     * Whether {@code length} bytes of {@code buf} at index {@code offset} equal {@code ascii};
     * allocation-free. Useful for matching targets: {@code regionEquals(buf, p.targetOffset(),
     * p.targetLength(), PLAINTEXT_PATH)}.
     */
    public static boolean regionEquals(ByteBuffer buf, int offset, int length, byte[] ascii) {
        return Ascii.regionEquals(buf, offset, length, ascii);
    }

    /** Like {@link #regionEquals} but ignoring the case of ASCII letters; allocation-free. */
    public static boolean regionEqualsIgnoreCase(ByteBuffer buf, int offset, int length, byte[] ascii) {
        return Ascii.regionEqualsIgnoreCase(buf, offset, length, ascii);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "HttpRequestParser[state=" + state + ", position=" + pos + ", requestStart=" + requestStart
                + (state == ST_ERROR ? ", error=" + errorStatus + " " + errorReason : "") + "]";
    }
}
