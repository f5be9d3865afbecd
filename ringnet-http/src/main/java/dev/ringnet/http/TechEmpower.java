package dev.ringnet.http;

import java.nio.charset.StandardCharsets;

/**
 * The TechEmpower Framework Benchmarks' endpoints, ready-made, for benchmarking the server:
 *
 * <ul>
 *   <li>{@link #router()}: {@code GET /plaintext} answers {@code Hello, World!} as
 *       {@code text/plain}, {@code GET /json} answers {@code {"message":"Hello, World!"}} as
 *       {@code application/json}, both with {@code Server}, {@code Date} and
 *       {@code Content-Length}. They are constant responses, so the server pre-encodes them once
 *       and writes each with one copy plus the cached date: no allocation per request.</li>
 *   <li>{@link #catchAll()}: every method on every path reads the whole request (body included,
 *       discarded) and answers {@code 200} with a small text body; for load generators that post
 *       bodies or walk arbitrary URLs.</li>
 * </ul>
 *
 * <pre>{@code
 * HttpServer http = HttpServer.builder().router(TechEmpower.router()).build();
 * http.listen(serverContext, new InetSocketAddress(8080));
 * }</pre>
 */
public final class TechEmpower {

    /** The plaintext test's body. */
    public static final String HELLO = "Hello, World!";

    /** {@code 200}, {@code text/plain}, {@code Hello, World!}. */
    public static final HttpResponse PLAINTEXT =
            HttpResponse.bytes(200, "text/plain", HELLO.getBytes(StandardCharsets.US_ASCII));

    /** {@code 200}, {@code application/json}, {@code {"message":"Hello, World!"}}. */
    public static final HttpResponse JSON = HttpResponse.bytes(200, "application/json",
            "{\"message\":\"Hello, World!\"}".getBytes(StandardCharsets.US_ASCII));

    /** The catch-all answer: {@code 200}, {@code text/plain}, {@code OK}. */
    public static final HttpResponse OK = HttpResponse.bytes(200, "text/plain", "OK".getBytes(StandardCharsets.US_ASCII));

    private TechEmpower() {}

    /** {@code GET /plaintext} and {@code GET /json} (HEAD too); 404 elsewhere, 405 for other methods. */
    public static Router router() {
        return new Router().get("/plaintext", PLAINTEXT).get("/json", JSON);
    }

    /** Every method on every path: {@code 200 OK} once the whole request has been read. */
    public static Router catchAll() {
        return new Router().fallback(OK);
    }

    /** A server builder with {@link #router()} (or {@link #catchAll()}) and the server name {@code ringnet}. */
    public static HttpServer.Builder server(boolean catchAll) {
        return HttpServer.builder().router(catchAll ? catchAll() : router()).serverName("ringnet");
    }
}
