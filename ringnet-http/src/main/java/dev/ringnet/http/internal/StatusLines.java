package dev.ringnet.http.internal;

import java.nio.charset.StandardCharsets;

/**
 * Pre-encoded {@code HTTP/1.1 <code> <reason>\r\n} status lines for every code from 100 to 599,
 * built once at class initialization. Codes without a registered reason phrase get an empty one
 * ({@code "HTTP/1.1 299 \r\n"}), which RFC 9112 §4 allows.
 */
public final class StatusLines {

    private static final String[] REASONS = new String[600];
    private static final byte[][] LINES = new byte[600][];

    static {
        reason(100, "Continue");
        reason(101, "Switching Protocols");
        reason(103, "Early Hints");
        reason(200, "OK");
        reason(201, "Created");
        reason(202, "Accepted");
        reason(203, "Non-Authoritative Information");
        reason(204, "No Content");
        reason(205, "Reset Content");
        reason(206, "Partial Content");
        reason(300, "Multiple Choices");
        reason(301, "Moved Permanently");
        reason(302, "Found");
        reason(303, "See Other");
        reason(304, "Not Modified");
        reason(305, "Use Proxy");
        reason(307, "Temporary Redirect");
        reason(308, "Permanent Redirect");
        reason(400, "Bad Request");
        reason(401, "Unauthorized");
        reason(402, "Payment Required");
        reason(403, "Forbidden");
        reason(404, "Not Found");
        reason(405, "Method Not Allowed");
        reason(406, "Not Acceptable");
        reason(407, "Proxy Authentication Required");
        reason(408, "Request Timeout");
        reason(409, "Conflict");
        reason(410, "Gone");
        reason(411, "Length Required");
        reason(412, "Precondition Failed");
        reason(413, "Content Too Large");
        reason(414, "URI Too Long");
        reason(415, "Unsupported Media Type");
        reason(416, "Range Not Satisfiable");
        reason(417, "Expectation Failed");
        reason(421, "Misdirected Request");
        reason(422, "Unprocessable Content");
        reason(426, "Upgrade Required");
        reason(428, "Precondition Required");
        reason(429, "Too Many Requests");
        reason(431, "Request Header Fields Too Large");
        reason(451, "Unavailable For Legal Reasons");
        reason(500, "Internal Server Error");
        reason(501, "Not Implemented");
        reason(502, "Bad Gateway");
        reason(503, "Service Unavailable");
        reason(504, "Gateway Timeout");
        reason(505, "HTTP Version Not Supported");
        reason(511, "Network Authentication Required");
        for (int code = 100; code < 600; code++) {
            String r = REASONS[code] != null ? REASONS[code] : "";
            LINES[code] = ("HTTP/1.1 " + code + " " + r + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static void reason(int code, String reason) {
        REASONS[code] = reason;
    }

    private StatusLines() {}

    /**
     * The shared status-line bytes for {@code status}; callers must not modify the array.
     *
     * @throws IllegalArgumentException if {@code status} is not in [100, 599]
     */
    public static byte[] line(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status outside [100, 599]: " + status);
        }
        return LINES[status];
    }

    /** The registered reason phrase, or "" if none; throws like {@link #line}. */
    public static String reason(int status) {
        line(status);
        return REASONS[status] != null ? REASONS[status] : "";
    }
}
