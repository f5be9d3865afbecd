package dev.ringnet.http;

import dev.ringnet.http.internal.StatusLines;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A complete HTTP/1.1 response rendered to bytes once, with an optional slot for the
 * {@code Date} value that is filled in each time it is written. Writing one is a bulk copy plus
 * {@value HttpDate#LENGTH} bytes from an {@link HttpDate} cache: no formatting and no allocation.
 *
 * <pre>{@code
 * static final PreEncodedResponse HELLO = PreEncodedResponse.builder(200)
 *         .header("Server", "ringnet")
 *         .date()                                   // the slot
 *         .header("Content-Type", "text/plain")
 *         .body("Hello, World!".getBytes(US_ASCII)) // Content-Length is added by build()
 *         .build();
 *
 * HELLO.writeTo(out, loopDate, System.currentTimeMillis());   // GET
 * HELLO.writeHeadTo(out, loopDate, System.currentTimeMillis()); // HEAD: same head, no body
 * }</pre>
 *
 * Instances are immutable and may be shared between threads (each thread writing with its own
 * {@link HttpDate}).
 */
public final class PreEncodedResponse {

    private final byte[] bytes;
    private final int headLength;
    private final int dateOffset;

    private PreEncodedResponse(byte[] bytes, int headLength, int dateOffset) {
        this.bytes = bytes;
        this.headLength = headLength;
        this.dateOffset = dateOffset;
    }

    /** Starts a response with the given status code (100 to 599). */
    public static Builder builder(int status) {
        return new Builder(status);
    }

    /** Total length in bytes: head plus body. */
    public int length() {
        return bytes.length;
    }

    /** Length of the head (status line, fields and the empty line) in bytes. */
    public int headLength() {
        return headLength;
    }

    /** Whether the response has a {@code Date} slot. */
    public boolean hasDate() {
        return dateOffset >= 0;
    }

    /**
     * Writes the whole response at {@code buf}'s position, with the current date in its slot,
     * and advances the position. Writes nothing and returns {@code false} if
     * {@code buf.remaining() < length()}.
     *
     * @param date the date cache; may be {@code null} only if the response has no Date slot
     */
    public boolean writeTo(ByteBuffer buf, HttpDate date, long nowMillis) {
        return write(buf, bytes.length, date, nowMillis);
    }

    /**
     * Writes only the head (for a HEAD request: same fields, including Content-Length, no
     * body). Writes nothing and returns {@code false} if {@code buf.remaining() < headLength()}.
     */
    public boolean writeHeadTo(ByteBuffer buf, HttpDate date, long nowMillis) {
        return write(buf, headLength, date, nowMillis);
    }

    private boolean write(ByteBuffer buf, int length, HttpDate date, long nowMillis) {
        if (buf.remaining() < length) {
            return false;
        }
        int at = buf.position();
        buf.put(bytes, 0, length);
        if (dateOffset >= 0) {
            date.writeTo(buf, at + dateOffset, nowMillis);
        }
        return true;
    }

    /**
     * A copy of the bytes; the Date slot, if any, holds the placeholder
     * {@code Thu, 01 Jan 1970 00:00:00 GMT}.
     */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return new String(bytes, 0, headLength, StandardCharsets.ISO_8859_1)
                + "[" + (bytes.length - headLength) + " body bytes]";
    }

    /**
     * Collects the fields of a {@link PreEncodedResponse}. Fields appear in the order added;
     * {@link #build()} appends {@code Content-Length} unless the status forbids it (1xx, 204),
     * the status is 304, or a Content-Length or Transfer-Encoding field was added explicitly.
     */
    public static final class Builder {

        private final int status;
        private final StringBuilder head = new StringBuilder(128);
        private int dateOffset = -1;
        private byte[] body = new byte[0];
        private boolean framingGiven;

        private Builder(int status) {
            StatusLines.line(status); // validates
            this.status = status;
            head.append(new String(StatusLines.line(status), StandardCharsets.ISO_8859_1));
        }

        /**
         * Adds a field.
         *
         * @throws IllegalArgumentException if the name is not a token or the value holds a
         *     control character other than HTAB or a char above U+00FF
         */
        public Builder header(String name, String value) {
            HttpResponseEncoder.checkName(HttpResponseEncoder.latin1(name));
            HttpResponseEncoder.checkValue(HttpResponseEncoder.latin1(value));
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")) {
                framingGiven = true;
            }
            head.append(name).append(": ").append(value).append("\r\n");
            return this;
        }

        /** Adds a {@code Date} field whose value is filled in at every write. At most once. */
        public Builder date() {
            if (dateOffset >= 0) {
                throw new IllegalStateException("date() already called");
            }
            head.append("Date: ");
            dateOffset = head.length();
            head.append(HttpDate.format(0));
            head.append("\r\n");
            return this;
        }

        /** Sets the body (copied); empty by default. */
        public Builder body(byte[] body) {
            this.body = body.clone();
            return this;
        }

        /** Builds the response. */
        public PreEncodedResponse build() {
            boolean bodyAllowed = HttpResponseEncoder.allowsContentLength(status) && status != 304;
            if (body.length > 0 && !bodyAllowed) {
                throw new IllegalStateException("status " + status + " cannot have a body");
            }
            StringBuilder h = new StringBuilder(head);
            if (!framingGiven && bodyAllowed) {
                h.append("Content-Length: ").append(body.length).append("\r\n");
            }
            h.append("\r\n");
            byte[] headBytes = h.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
            System.arraycopy(body, 0, all, headBytes.length, body.length);
            return new PreEncodedResponse(all, headBytes.length, dateOffset);
        }

        @Override
        public String toString() {
            return "PreEncodedResponse.Builder[" + head + "]";
        }
    }
}
