package dev.ringnet.bench;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The TechEmpower responses of the comparison servers, encoded once per second (when the Date
 * header changes): {@code /plaintext} → {@code Hello, World!} as text/plain, {@code /json} →
 * {@code {"message":"Hello, World!"}} as application/json, anything else 404; each with Server,
 * Date, Content-Type and Content-Length, as ringnet's {@code TechEmpower} endpoints answer.
 */
final class HttpResponses {
    static final String PLAINTEXT_BODY = "Hello, World!";
    static final String JSON_BODY = "{\"message\":\"Hello, World!\"}";
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    final byte[] plaintext;
    final byte[] json;
    final byte[] notFound;

    private HttpResponses(byte[] plaintext, byte[] json, byte[] notFound) {
        this.plaintext = plaintext;
        this.json = json;
        this.notFound = notFound;
    }

    /** The three responses for server name {@code server}, dated now. */
    static HttpResponses now(String server) {
        String date = HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
        return new HttpResponses(encode(server, date, "200 OK", "text/plain", PLAINTEXT_BODY),
                encode(server, date, "200 OK", "application/json", JSON_BODY),
                encode(server, date, "404 Not Found", "text/plain", "Not Found"));
    }

    /** The response for a request target ({@code /plaintext}, {@code /json}; query ignored). */
    byte[] forPath(CharSequence path) {
        if (equals(path, "/plaintext")) {
            return plaintext;
        }
        if (equals(path, "/json")) {
            return json;
        }
        return notFound;
    }

    private static boolean equals(CharSequence path, String expected) {
        int n = path.length();
        for (int i = 0; i < n; i++) {
            if (path.charAt(i) == '?') {
                n = i;
                break;
            }
        }
        if (n != expected.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (path.charAt(i) != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] encode(String server, String date, String status, String type, String body) {
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 " + status + "\r\nServer: " + server + "\r\nDate: " + date + "\r\nContent-Type: " + type
                + "\r\nContent-Length: " + b.length + "\r\n\r\n";
        return (head + body).getBytes(StandardCharsets.US_ASCII);
    }
}
