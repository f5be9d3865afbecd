package dev.ringnet.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Maps requests to handlers by method and path, for {@link HttpServer}.
 *
 * <pre>{@code
 * Router router = new Router()
 *         .get("/plaintext", HttpResponse.text("Hello, World!"))          // a constant: pre-encoded
 *         .get("/users/{id}", req -> HttpResponse.text("user " + req.pathParam("id")))
 *         .postAsync("/orders", req -> orders.place(req.bodyText()))      // CompletionStage
 *         .getBlocking("/report", req -> HttpResponse.json(db.query()))   // on a virtual thread
 *         .putStreaming("/files/{*name}", req -> store(req.bodyStream())) // body read as it arrives
 *         .fallback(req -> HttpResponse.text(404, "nothing at " + req.path()));
 * }</pre>
 *
 * <h2>Patterns</h2>
 * A pattern is a path starting with {@code /} made of segments: literal segments match
 * themselves exactly (as received, so register percent-encoded text for non-ASCII), a
 * {@code {name}} segment matches any one non-empty segment and binds it as a path parameter, and
 * a last segment {@code {*name}} matches the rest of the path (possibly empty, possibly with
 * slashes). Literal patterns are found by a hash lookup first; patterns with parameters are
 * tried in the order they were registered. {@code /a} and {@code /a/} are different paths.
 *
 * <h2>Methods</h2>
 * Methods are case-sensitive names ({@code "GET"}, or any token such as {@code "PURGE"});
 * {@code "*"} registers a route for every method. A {@code HEAD} request with no HEAD route uses
 * the GET route and gets the same head without the body. A path that matches a pattern but not
 * with the request's method gets {@code 405 Method Not Allowed} with an {@code Allow} field;
 * a path that matches nothing goes to the {@linkplain #fallback(HttpHandler) fallback}
 * ({@code 404 Not Found} by default).
 *
 * <h2>Handler styles</h2>
 * <ul>
 *   <li>{@code get(path, HttpResponse)}: a constant response. The server pre-encodes it once
 *       and only patches the Date: the fastest path, allocation-free per request; the request
 *       body is read and discarded.</li>
 *   <li>{@code get(path, HttpHandler)}: runs on the event loop; must not block.</li>
 *   <li>{@code getAsync(path, AsyncHttpHandler)}: runs on the event loop and returns a
 *       {@code CompletionStage}.</li>
 *   <li>{@code getBlocking(path, HttpHandler)}: runs on a virtual thread; may block.</li>
 *   <li>{@code postStreaming(path, HttpHandler)}: runs on a virtual thread as soon as the head
 *       has arrived and reads the body from {@link HttpRequest#bodyStream()}.</li>
 * </ul>
 * Every style keeps responses in request order on a connection.
 *
 * <p>A router is a mutable description, not thread-safe; {@link HttpServer.Builder#build()}
 * takes a snapshot, so changing the router afterwards does not affect that server.
 */
public final class Router {

    /** The method name that registers a route for every method. */
    public static final String ANY_METHOD = "*";

    /** How a route runs its handler. */
    enum Kind { FIXED, LOOP, ASYNC, BLOCKING, STREAMING }

    /** One registration. */
    record Spec(String method, String pattern, Kind kind, Object target) {}

    private final List<Spec> specs = new ArrayList<>();
    private Spec fallback;

    /** An empty router: every request gets the fallback, {@code 404 Not Found}. */
    public Router() {}

    List<Spec> specs() {
        return List.copyOf(specs);
    }

    Spec fallbackSpec() {
        return fallback;
    }

    private Router add(String method, String pattern, Kind kind, Object target) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "handler");
        if (!method.equals(ANY_METHOD)) {
            checkToken(method);
        }
        RouteTable.parsePattern(pattern); // validates
        for (Spec s : specs) {
            if (s.method.equals(method) && s.pattern.equals(pattern)) {
                throw new IllegalStateException("route already registered: " + method + " " + pattern);
            }
        }
        if (target instanceof HttpResponse r && r.isChunked()) {
            throw new IllegalArgumentException("a constant response cannot be streamed");
        }
        specs.add(new Spec(method, pattern, kind, target));
        return this;
    }

    private static void checkToken(String method) {
        if (method.isEmpty()) {
            throw new IllegalArgumentException("empty method");
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c > 0x7F || !dev.ringnet.http.internal.Ascii.isTchar((byte) c)) {
                throw new IllegalArgumentException("invalid method: " + method);
            }
        }
    }

    // ------------------------------------------------------------------ any method name

    /** Answers {@code method} requests for {@code pattern} on the event loop. */
    public Router route(String method, String pattern, HttpHandler handler) {
        return add(method, pattern, Kind.LOOP, handler);
    }

    /** Answers {@code method} requests for {@code pattern} with a stage, from the event loop. */
    public Router routeAsync(String method, String pattern, AsyncHttpHandler handler) {
        return add(method, pattern, Kind.ASYNC, handler);
    }

    /** Answers {@code method} requests for {@code pattern} on a virtual thread per request. */
    public Router routeBlocking(String method, String pattern, HttpHandler handler) {
        return add(method, pattern, Kind.BLOCKING, handler);
    }

    /**
     * Answers {@code method} requests for {@code pattern} on a virtual thread started as soon as
     * the head has arrived; the handler reads the body from {@link HttpRequest#bodyStream()}.
     */
    public Router routeStreaming(String method, String pattern, HttpHandler handler) {
        return add(method, pattern, Kind.STREAMING, handler);
    }

    /** Answers {@code method} requests for {@code pattern} with a constant, pre-encoded response. */
    public Router route(String method, String pattern, HttpResponse response) {
        return add(method, pattern, Kind.FIXED, response);
    }

    // ------------------------------------------------------------------ GET

    /** GET (and HEAD) on the event loop. */
    public Router get(String pattern, HttpHandler handler) {
        return route("GET", pattern, handler);
    }

    /** GET (and HEAD) with a constant response. */
    public Router get(String pattern, HttpResponse response) {
        return route("GET", pattern, response);
    }

    /** GET (and HEAD) answered by a stage. */
    public Router getAsync(String pattern, AsyncHttpHandler handler) {
        return routeAsync("GET", pattern, handler);
    }

    /** GET (and HEAD) on a virtual thread. */
    public Router getBlocking(String pattern, HttpHandler handler) {
        return routeBlocking("GET", pattern, handler);
    }

    // ------------------------------------------------------------------ POST

    /** POST on the event loop. */
    public Router post(String pattern, HttpHandler handler) {
        return route("POST", pattern, handler);
    }

    /** POST answered by a stage. */
    public Router postAsync(String pattern, AsyncHttpHandler handler) {
        return routeAsync("POST", pattern, handler);
    }

    /** POST on a virtual thread. */
    public Router postBlocking(String pattern, HttpHandler handler) {
        return routeBlocking("POST", pattern, handler);
    }

    /** POST on a virtual thread, body streamed. */
    public Router postStreaming(String pattern, HttpHandler handler) {
        return routeStreaming("POST", pattern, handler);
    }

    // ------------------------------------------------------------------ PUT

    /** PUT on the event loop. */
    public Router put(String pattern, HttpHandler handler) {
        return route("PUT", pattern, handler);
    }

    /** PUT answered by a stage. */
    public Router putAsync(String pattern, AsyncHttpHandler handler) {
        return routeAsync("PUT", pattern, handler);
    }

    /** PUT on a virtual thread. */
    public Router putBlocking(String pattern, HttpHandler handler) {
        return routeBlocking("PUT", pattern, handler);
    }

    /** PUT on a virtual thread, body streamed. */
    public Router putStreaming(String pattern, HttpHandler handler) {
        return routeStreaming("PUT", pattern, handler);
    }

    // ------------------------------------------------------------------ DELETE, PATCH

    /** DELETE on the event loop. */
    public Router delete(String pattern, HttpHandler handler) {
        return route("DELETE", pattern, handler);
    }

    /** DELETE answered by a stage. */
    public Router deleteAsync(String pattern, AsyncHttpHandler handler) {
        return routeAsync("DELETE", pattern, handler);
    }

    /** DELETE on a virtual thread. */
    public Router deleteBlocking(String pattern, HttpHandler handler) {
        return routeBlocking("DELETE", pattern, handler);
    }

    /** PATCH on the event loop. */
    public Router patch(String pattern, HttpHandler handler) {
        return route("PATCH", pattern, handler);
    }

    /** PATCH answered by a stage. */
    public Router patchAsync(String pattern, AsyncHttpHandler handler) {
        return routeAsync("PATCH", pattern, handler);
    }

    /** PATCH on a virtual thread. */
    public Router patchBlocking(String pattern, HttpHandler handler) {
        return routeBlocking("PATCH", pattern, handler);
    }

    // ------------------------------------------------------------------ every method

    /** Every method on the event loop. */
    public Router any(String pattern, HttpHandler handler) {
        return route(ANY_METHOD, pattern, handler);
    }

    /** Every method with a constant response. */
    public Router any(String pattern, HttpResponse response) {
        return route(ANY_METHOD, pattern, response);
    }

    // ------------------------------------------------------------------ fallback

    /** Answers requests no pattern matches, on the event loop (default: 404). */
    public Router fallback(HttpHandler handler) {
        fallback = new Spec(ANY_METHOD, "", Kind.LOOP, Objects.requireNonNull(handler, "handler"));
        return this;
    }

    /** Answers requests no pattern matches with a constant response. */
    public Router fallback(HttpResponse response) {
        if (response.isChunked()) {
            throw new IllegalArgumentException("a constant response cannot be streamed");
        }
        fallback = new Spec(ANY_METHOD, "", Kind.FIXED, response);
        return this;
    }

    /** Answers requests no pattern matches with a stage. */
    public Router fallbackAsync(AsyncHttpHandler handler) {
        fallback = new Spec(ANY_METHOD, "", Kind.ASYNC, Objects.requireNonNull(handler, "handler"));
        return this;
    }

    /** Answers requests no pattern matches on a virtual thread. */
    public Router fallbackBlocking(HttpHandler handler) {
        fallback = new Spec(ANY_METHOD, "", Kind.BLOCKING, Objects.requireNonNull(handler, "handler"));
        return this;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Router[");
        for (Spec s : specs) {
            b.append('\n').append("  ").append(s.method).append(' ').append(s.pattern).append(" (")
                    .append(s.kind.name().toLowerCase(java.util.Locale.ROOT)).append(')');
        }
        return b.append(specs.isEmpty() ? "]" : "\n]").toString();
    }
}
