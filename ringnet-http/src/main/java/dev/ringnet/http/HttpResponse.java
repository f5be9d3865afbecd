package dev.ringnet.http;

import dev.ringnet.http.internal.Ascii;
import dev.ringnet.http.internal.StatusLines;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * A response for {@link HttpServer}: a status, header fields and a body, which is either bytes
 * (sent with {@code Content-Length}) or a stream of chunks (sent with
 * {@code Transfer-Encoding: chunked}). Immutable, so one instance may answer many requests.
 *
 * <pre>{@code
 * HttpResponse.text("hello")                                   // 200, text/plain; charset=utf-8
 * HttpResponse.json(404, "{\"error\":\"no such user\"}")
 * HttpResponse.status(204)
 * HttpResponse.builder(201).header("Location", "/users/7").json("{\"id\":7}").build()
 * HttpResponse.chunked(200, "text/plain", publisher)            // Flow.Publisher<ByteBuffer>
 * }</pre>
 *
 * <p>The server writes {@code Server}, {@code Date}, {@code Content-Length} or
 * {@code Transfer-Encoding}, and {@code Connection} itself: adding those fields here throws
 * {@link IllegalArgumentException}, as does a name that is not a token or a value with a control
 * character (no CR or LF: no response splitting). A {@code Content-Type} field sets
 * {@link #contentType()}. For {@code HEAD} requests the server sends the same head without the
 * body; for 204 and 304 it sends neither body nor {@code Content-Length}.
 *
 * <p>A byte-array body is not copied: do not modify the array once the response is built.
 */
public final class HttpResponse {

    /** {@code text/plain; charset=utf-8}. */
    public static final String TEXT_UTF8 = "text/plain; charset=utf-8";
    /** {@code application/json}. */
    public static final String JSON = "application/json";

    private static final byte[] EMPTY = new byte[0];
    private static final String[] NO_HEADERS = new String[0];

    private final int status;
    private final String contentType;
    private final byte[] contentTypeBytes;
    /** name, value, name, value... */
    private final String[] headers;
    private final int headersLength;
    private final byte[] body;
    private final Flow.Publisher<ByteBuffer> stream;

    private HttpResponse(int status, String contentType, String[] headers, byte[] body,
            Flow.Publisher<ByteBuffer> stream) {
        this.status = checkStatus(status);
        this.contentType = contentType;
        this.contentTypeBytes = contentType == null ? null : valueBytes("Content-Type", contentType);
        this.headers = headers;
        int n = 0;
        for (int i = 0; i < headers.length; i += 2) {
            n += headers[i].length() + 2 + headers[i + 1].length() + 2;
        }
        this.headersLength = n;
        this.body = body;
        this.stream = stream;
        if (!bodyAllowed() && (stream != null || body.length > 0)) {
            throw new IllegalArgumentException("status " + status + " cannot have a body");
        }
    }

    // ------------------------------------------------------------------ factories

    /** 200 with a {@code text/plain; charset=utf-8} body. */
    public static HttpResponse text(String text) {
        return text(200, text);
    }

    /** {@code status} with a {@code text/plain; charset=utf-8} body. */
    public static HttpResponse text(int status, String text) {
        return new HttpResponse(status, TEXT_UTF8, NO_HEADERS, text.getBytes(StandardCharsets.UTF_8), null);
    }

    /** 200 with an {@code application/json} body (the JSON text, encoded as UTF-8). */
    public static HttpResponse json(String json) {
        return json(200, json);
    }

    /** {@code status} with an {@code application/json} body. */
    public static HttpResponse json(int status, String json) {
        return new HttpResponse(status, JSON, NO_HEADERS, json.getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * {@code status} with {@code body} (not copied) of {@code contentType}.
     *
     * @param contentType the Content-Type value, or null for none
     */
    public static HttpResponse bytes(int status, String contentType, byte[] body) {
        return new HttpResponse(status, contentType, NO_HEADERS, Objects.requireNonNull(body, "body"), null);
    }

    /** {@code status} with an empty body ({@code Content-Length: 0}, or nothing for 204 and 304). */
    public static HttpResponse status(int status) {
        return new HttpResponse(status, null, NO_HEADERS, EMPTY, null);
    }

    /**
     * {@code status} with a body streamed from {@code body}, each non-empty buffer sent as one
     * chunk ({@code Transfer-Encoding: chunked}; to an HTTP/1.0 client the bytes are sent as they
     * come and the connection closes at the end). The server subscribes on its loop thread when
     * the response's turn comes, requests one buffer at a time as the previous one is handed to
     * the socket, and takes ownership of each buffer it receives. An {@code onError} aborts the
     * connection, so that the client sees an incomplete body rather than a truncated one that
     * looks whole.
     */
    public static HttpResponse chunked(int status, String contentType, Flow.Publisher<ByteBuffer> body) {
        return new HttpResponse(status, contentType, NO_HEADERS, null, Objects.requireNonNull(body, "body"));
    }

    /**
     * {@code status} with a chunked body made of {@code parts}, one chunk per non-empty part,
     * taken one at a time on the connection's loop thread as the socket accepts them (so the
     * iterator must not block; for a producer that blocks, publish with
     * {@link #chunked(int, String, Flow.Publisher)}).
     */
    public static HttpResponse chunked(int status, String contentType, Iterable<byte[]> parts) {
        return chunked(status, contentType, new IterablePublisher(parts));
    }

    /** Starts a response with {@code status} (200 to 599). */
    public static Builder builder(int status) {
        return new Builder(status);
    }

    /**
     * A copy with one more header field.
     *
     * @throws IllegalArgumentException for an invalid or server-managed field (see the class description)
     */
    public HttpResponse withHeader(String name, String value) {
        if (name.equalsIgnoreCase("Content-Type")) {
            return new HttpResponse(status, value, headers, body, stream);
        }
        checkField(name, value);
        String[] h = Arrays.copyOf(headers, headers.length + 2);
        h[headers.length] = name;
        h[headers.length + 1] = value;
        return new HttpResponse(status, contentType, h, body, stream);
    }

    // ------------------------------------------------------------------ accessors

    /** The status code. */
    public int status() {
        return status;
    }

    /** The Content-Type value, or null. */
    public String contentType() {
        return contentType;
    }

    /** The value of the first added field named {@code name} (ignoring case), or null. */
    public String header(String name) {
        if (name.equalsIgnoreCase("Content-Type")) {
            return contentType;
        }
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase(name)) {
                return headers[i + 1];
            }
        }
        return null;
    }

    /** The added fields (without Content-Type), in order, as name-value entries. */
    public List<Map.Entry<String, String>> headers() {
        List<Map.Entry<String, String>> list = new ArrayList<>(headers.length / 2);
        for (int i = 0; i < headers.length; i += 2) {
            list.add(Map.entry(headers[i], headers[i + 1]));
        }
        return list;
    }

    /** Whether the body is streamed (chunked). */
    public boolean isChunked() {
        return stream != null;
    }

    /** The body bytes (the array itself, not a copy); empty for a streamed body. */
    public byte[] body() {
        return body == null ? EMPTY : body;
    }

    /** The body as UTF-8 text; empty for a streamed body. */
    public String bodyText() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** The streamed body, or null. */
    public Flow.Publisher<ByteBuffer> bodyPublisher() {
        return stream;
    }

    @Override
    public String toString() {
        return "HttpResponse[" + status + (contentType == null ? "" : ", " + contentType)
                + (stream != null ? ", chunked" : ", " + body.length + " bytes") + "]";
    }

    // ------------------------------------------------------------------ for the server

    byte[] contentTypeBytes() {
        return contentTypeBytes;
    }

    String[] rawHeaders() {
        return headers;
    }

    /** Bytes of the added fields' lines. */
    int headersLength() {
        return headersLength;
    }

    /** Whether the status allows a body and Content-Length (not 204, not 304). */
    boolean bodyAllowed() {
        return status != 204 && status != 304;
    }

    // ------------------------------------------------------------------ validation

    private static int checkStatus(int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("a final response status is in [200, 599]: " + status);
        }
        StatusLines.line(status);
        return status;
    }

    static void checkField(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7F || !Ascii.isTchar((byte) c)) {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
        }
        if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Date")
                || name.equalsIgnoreCase("Server")) {
            throw new IllegalArgumentException(name + " is written by the server");
        }
        valueBytes(name, value);
    }

    private static byte[] valueBytes(String name, String value) {
        byte[] b = new byte[value.length()];
        for (int i = 0; i < b.length; i++) {
            char c = value.charAt(i);
            if (c > 0xFF || !(Ascii.isFieldVchar((byte) c) || c == ' ' || c == '\t')) {
                throw new IllegalArgumentException("invalid value for " + name + ": " + value);
            }
            b[i] = (byte) c;
        }
        return b;
    }

    /** Builds an {@link HttpResponse}. */
    public static final class Builder {
        private final int status;
        private String contentType;
        private final List<String> headers = new ArrayList<>();
        private byte[] body = EMPTY;
        private Flow.Publisher<ByteBuffer> stream;

        private Builder(int status) {
            this.status = checkStatus(status);
        }

        /**
         * Adds a field ({@code Content-Type} sets the content type).
         *
         * @throws IllegalArgumentException for an invalid or server-managed field
         */
        public Builder header(String name, String value) {
            if (name.equalsIgnoreCase("Content-Type")) {
                return contentType(value);
            }
            checkField(name, value);
            headers.add(name);
            headers.add(value);
            return this;
        }

        /** Sets the Content-Type (null for none). */
        public Builder contentType(String type) {
            if (type != null) {
                valueBytes("Content-Type", type);
            }
            this.contentType = type;
            return this;
        }

        /** Sets the body bytes (not copied). */
        public Builder body(byte[] bytes) {
            this.body = Objects.requireNonNull(bytes, "bytes");
            this.stream = null;
            return this;
        }

        /** Sets a UTF-8 text body and, unless one is set, the content type {@code text/plain; charset=utf-8}. */
        public Builder text(String text) {
            if (contentType == null) {
                contentType = TEXT_UTF8;
            }
            return body(text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sets a JSON body and the content type {@code application/json}. */
        public Builder json(String json) {
            contentType = JSON;
            return body(json.getBytes(StandardCharsets.UTF_8));
        }

        /** Streams the body in chunks; see {@link HttpResponse#chunked}. */
        public Builder chunked(Flow.Publisher<ByteBuffer> publisher) {
            this.stream = Objects.requireNonNull(publisher, "publisher");
            this.body = null;
            return this;
        }

        /** Builds the response. */
        public HttpResponse build() {
            return new HttpResponse(status, contentType, headers.toArray(String[]::new), body, stream);
        }
    }
}
