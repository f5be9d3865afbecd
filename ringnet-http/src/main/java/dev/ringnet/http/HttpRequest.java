package dev.ringnet.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request received by {@link HttpServer}, as a handler sees it: method, target (split into
 * path and query), header fields, path parameters of the matched route, and the body.
 *
 * <p>The server copies the request's head out of its receive buffer once (one array) and makes
 * Strings only when asked. Header names are matched ignoring case; values are ISO-8859-1, as
 * HTTP defines them. The path and query are returned as received (percent-encoded); path and
 * query parameters are decoded (UTF-8).
 *
 * <p>The body is aggregated ({@link #body()}) before the handler runs, except for routes
 * registered with {@link Router#postStreaming(String, HttpHandler)} and the like: there the
 * handler runs on a virtual thread as soon as the head has arrived and reads the body from
 * {@link #bodyStream()} while it is still being received.
 *
 * <p>An instance belongs to the handler it was given to; it is not thread-safe.
 */
public final class HttpRequest {

    private static final byte[] EMPTY = new byte[0];
    private static final int[] NO_INTS = new int[0];

    private final HttpConnection connection;
    private final int method;
    private final String methodName;
    private final int version;
    private final boolean keepAlive;
    private final long contentLength;
    private final boolean chunked;
    private final byte[] head;
    private final int[] fields;
    private final int headerCount;
    private final int targetOffset;
    private final int targetLength;
    private final int pathOffset;
    private final int pathLength;
    private final int queryOffset;
    private final String[] paramNames;
    private final int[] params;

    private byte[] body = EMPTY;
    private int bodyLength;
    private BodyStream stream;
    private byte[] trailerBytes = EMPTY;
    private int[] trailerFields = NO_INTS;

    private String target;
    private Map<String, List<String>> queryParams;

    private HttpRequest(HttpConnection connection, int method, String methodName, int version, boolean keepAlive,
            long contentLength, boolean chunked, byte[] head, int[] fields, int headerCount, int targetOffset,
            int targetLength, int pathOffset, int pathLength, int queryOffset, String[] paramNames, int[] params) {
        this.connection = connection;
        this.method = method;
        this.methodName = methodName;
        this.version = version;
        this.keepAlive = keepAlive;
        this.contentLength = contentLength;
        this.chunked = chunked;
        this.head = head;
        this.fields = fields;
        this.headerCount = headerCount;
        this.targetOffset = targetOffset;
        this.targetLength = targetLength;
        this.pathOffset = pathOffset;
        this.pathLength = pathLength;
        this.queryOffset = queryOffset;
        this.paramNames = paramNames;
        this.params = params;
    }

    /**
     * Copies the head the parser just completed (HEAD_COMPLETE) out of {@code buf}.
     *
     * @param pathStart index of the path in {@code buf}, or -1 if the target has none
     * @param pathEnd index after the path
     * @param paramNames the matched route's parameter names (may be empty)
     * @param paramBounds start and end index in {@code buf} of each parameter
     */
    static HttpRequest fromHead(HttpConnection connection, ByteBuffer buf, HttpRequestParser p, int pathStart,
            int pathEnd, String[] paramNames, int[] paramBounds) {
        int base = p.methodOffset(); // not requestStart: empty lines before the request may be gone
        int length = p.position() - base;
        byte[] head = new byte[length];
        buf.get(base, head);
        int n = p.headerCount();
        int[] fields = new int[4 * n];
        for (int i = 0; i < n; i++) {
            fields[4 * i] = p.headerNameOffset(i) - base;
            fields[4 * i + 1] = p.headerNameLength(i);
            fields[4 * i + 2] = p.headerValueOffset(i) - base;
            fields[4 * i + 3] = p.headerValueLength(i);
        }
        int[] params = NO_INTS;
        if (paramNames.length > 0) {
            params = new int[2 * paramNames.length];
            for (int i = 0; i < paramNames.length; i++) {
                params[2 * i] = paramBounds[2 * i] - base;
                params[2 * i + 1] = paramBounds[2 * i + 1] - base;
            }
        }
        int q = p.queryIndex();
        String name = p.method() != HttpMethod.EXTENSION ? HttpMethod.name(p.method())
                : new String(head, p.methodOffset() - base, p.methodLength(), StandardCharsets.ISO_8859_1);
        return new HttpRequest(connection, p.method(), name, p.version(), p.keepAlive(), p.contentLength(),
                p.isChunked(), head, fields, n, p.targetOffset() - base, p.targetLength(),
                pathStart < 0 ? -1 : pathStart - base, pathStart < 0 ? 0 : pathEnd - pathStart,
                q < 0 ? -1 : q + 1 - base, paramNames, params);
    }

    // ------------------------------------------------------------------ request line

    /** The method, such as {@code "GET"} (case-sensitive, as received). */
    public String method() {
        return methodName;
    }

    /** The method as an {@link HttpMethod} code ({@link HttpMethod#EXTENSION} for others). */
    public int methodCode() {
        return method;
    }

    /** {@code "HTTP/1.1"} or {@code "HTTP/1.0"}. */
    public String version() {
        return version == HttpRequestParser.VERSION_1_0 ? "HTTP/1.0" : "HTTP/1.1";
    }

    /** Whether the connection stays open after this request (keep-alive), as the client asked. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** The request-target as received, for example {@code /users/7?full=true}. */
    public String target() {
        if (target == null) {
            target = latin1(targetOffset, targetLength);
        }
        return target;
    }

    /**
     * The path as received (percent-encoded), without the query: {@code /users/7}. For an
     * absolute-form target ({@code http://host/x}) the path part ({@code /x}, or {@code /} if
     * none); {@code *} for {@code OPTIONS *}; empty for a CONNECT target.
     */
    public String path() {
        if (pathOffset < 0) {
            return "";
        }
        return pathLength == 0 ? "/" : latin1(pathOffset, pathLength);
    }

    /** The query as received (after {@code ?}, percent-encoded), or null if the target has none. */
    public String query() {
        if (queryOffset < 0) {
            return null;
        }
        return latin1(queryOffset, targetOffset + targetLength - queryOffset);
    }

    /** The first value of query parameter {@code name} (decoded, {@code +} as space), or null. */
    public String queryParam(String name) {
        List<String> values = queryParams().get(name);
        return values == null ? null : values.getFirst();
    }

    /** Every query parameter, decoded, in order of first appearance. */
    public Map<String, List<String>> queryParams() {
        if (queryParams == null) {
            Map<String, List<String>> m = new LinkedHashMap<>();
            String q = query();
            if (q != null && !q.isEmpty()) {
                for (String pair : q.split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int eq = pair.indexOf('=');
                    String k = decode(eq < 0 ? pair : pair.substring(0, eq), true);
                    String v = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
                    m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
                }
            }
            queryParams = Collections.unmodifiableMap(m);
        }
        return queryParams;
    }

    /**
     * The value of the matched route's path parameter {@code name} (the {@code id} of
     * {@code /users/{id}}), percent-decoded as UTF-8; null if the route has no such parameter.
     */
    public String pathParam(String name) {
        for (int i = 0; i < paramNames.length; i++) {
            if (paramNames[i].equals(name)) {
                return decode(latin1(params[2 * i], params[2 * i + 1] - params[2 * i]), false);
            }
        }
        return null;
    }

    /** Every path parameter of the matched route, decoded, in pattern order. */
    public Map<String, String> pathParams() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : paramNames) {
            m.put(n, pathParam(n));
        }
        return Collections.unmodifiableMap(m);
    }

    // ------------------------------------------------------------------ headers

    /** The value of the first header field named {@code name} (ignoring case), or null. */
    public String header(String name) {
        for (int i = 0; i < headerCount; i++) {
            if (nameIs(fields, head, i, name)) {
                return headerValue(i);
            }
        }
        return null;
    }

    /** The values of every header field named {@code name}, in order (empty if none). */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>(2);
        for (int i = 0; i < headerCount; i++) {
            if (nameIs(fields, head, i, name)) {
                values.add(headerValue(i));
            }
        }
        return values;
    }

    /** Every header field, by name as first received, in order; names with several lines have several values. */
    public Map<String, List<String>> headers() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        outer:
        for (int i = 0; i < headerCount; i++) {
            for (Map.Entry<String, List<String>> e : m.entrySet()) {
                if (nameIs(fields, head, i, e.getKey())) {
                    e.getValue().add(headerValue(i));
                    continue outer;
                }
            }
            List<String> values = new ArrayList<>(1);
            values.add(headerValue(i));
            m.put(headerName(i), values);
        }
        return m;
    }

    /** Number of header field lines. */
    public int headerCount() {
        return headerCount;
    }

    /** Name of header field {@code i}, as received. */
    public String headerName(int i) {
        java.util.Objects.checkIndex(i, headerCount);
        return latin1(fields[4 * i], fields[4 * i + 1]);
    }

    /** Value of header field {@code i}, without surrounding whitespace. */
    public String headerValue(int i) {
        java.util.Objects.checkIndex(i, headerCount);
        return latin1(fields[4 * i + 2], fields[4 * i + 3]);
    }

    /** The value of the first trailer field (after a chunked body) named {@code name}, or null. */
    public String trailer(String name) {
        for (int i = 0; i < trailerFields.length / 4; i++) {
            if (nameIs(trailerFields, trailerBytes, i, name)) {
                return new String(trailerBytes, trailerFields[4 * i + 2], trailerFields[4 * i + 3],
                        StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** Number of trailer fields (after a chunked body; always 0 otherwise). */
    public int trailerCount() {
        return trailerFields.length / 4;
    }

    // ------------------------------------------------------------------ body

    /** The declared Content-Length, -1 for a chunked body, 0 without a body. */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the body came chunked. */
    public boolean isChunked() {
        return chunked;
    }

    /**
     * The whole body (a copy of the aggregated bytes; empty for a streamed route, whose body
     * comes from {@link #bodyStream()}).
     */
    public byte[] body() {
        return java.util.Arrays.copyOf(body, bodyLength);
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
    }

    /** The body length in bytes, as aggregated. */
    public int bodyLength() {
        return bodyLength;
    }

    /**
     * The body as a stream: on a streaming route the bytes as they arrive (reading blocks the
     * handler's virtual thread until more come; {@link IOException} if the connection fails
     * first); elsewhere over the aggregated body.
     */
    public InputStream bodyStream() {
        if (stream != null) {
            return stream;
        }
        return new java.io.ByteArrayInputStream(body, 0, bodyLength);
    }

    /**
     * The client's address, or null if the connection is already closed. May block briefly (it
     * asks the connection's loop); fine from a blocking handler.
     */
    public InetSocketAddress remoteAddress() {
        return connection == null ? null : connection.remoteAddress();
    }

    @Override
    public String toString() {
        return methodName + " " + target() + " " + version();
    }

    // ------------------------------------------------------------------ for the server

    /** Appends {@code length} body bytes at {@code offset} of {@code src}. */
    void appendBody(ByteBuffer src, int offset, int length) {
        int need = bodyLength + length;
        if (need > body.length) {
            int cap = contentLength > 0 && contentLength <= Integer.MAX_VALUE - 8 && need <= contentLength
                    ? (int) contentLength
                    : (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, Math.max(1024L, 2L * body.length)));
            if (cap < need) {
                throw new OutOfMemoryError("request body above 2 GiB");
            }
            body = java.util.Arrays.copyOf(body, cap);
        }
        src.get(offset, body, bodyLength, length);
        bodyLength = need;
    }

    void attachStream(BodyStream s) {
        this.stream = s;
    }

    BodyStream stream() {
        return stream;
    }

    /** Copies the trailer fields the parser holds at MESSAGE_COMPLETE. */
    void copyTrailers(ByteBuffer buf, HttpRequestParser p) {
        int n = p.trailerCount();
        if (n == 0) {
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] f = new int[4 * n];
        for (int t = 0; t < n; t++) {
            int i = p.headerCount() + t;
            f[4 * t] = bytes.size();
            f[4 * t + 1] = p.headerNameLength(i);
            byte[] name = new byte[p.headerNameLength(i)];
            buf.get(p.headerNameOffset(i), name);
            bytes.writeBytes(name);
            f[4 * t + 2] = bytes.size();
            f[4 * t + 3] = p.headerValueLength(i);
            byte[] value = new byte[p.headerValueLength(i)];
            buf.get(p.headerValueOffset(i), value);
            bytes.writeBytes(value);
        }
        trailerBytes = bytes.toByteArray();
        trailerFields = f;
    }

    // ------------------------------------------------------------------ helpers

    private String latin1(int offset, int length) {
        return new String(head, offset, length, StandardCharsets.ISO_8859_1);
    }

    private static boolean nameIs(int[] f, byte[] bytes, int i, String name) {
        int off = f[4 * i];
        int len = f[4 * i + 1];
        if (len != name.length()) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            int a = bytes[off + k] & 0xFF;
            int b = name.charAt(k);
            if (a != b && Character.toLowerCase(a) != Character.toLowerCase(b)) {
                return false;
            }
        }
        return true;
    }

    /** Percent-decodes {@code s} as UTF-8; a malformed escape is kept as is. */
    static String decode(String s, boolean plusAsSpace) {
        if (s.indexOf('%') < 0 && (!plusAsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
                i += 2;
            } else if (c == '+' && plusAsSpace) {
                out.write(' ');
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
