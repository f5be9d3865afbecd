package dev.ringnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Route compilation and matching on raw request bytes, and response validation; no sockets. */
class RouterTest {

    private static final HttpHandler H = req -> HttpResponse.text("x");

    /** Parses {@code raw}'s head and matches it; returns the route and fills {@code bounds}. */
    private static RouteTable.Route match(RouteTable table, String raw, int[] bounds) {
        ByteBuffer buf = ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1));
        HttpRequestParser p = new HttpRequestParser();
        assertThat(p.parse(buf, buf.limit())).isEqualTo(HttpRequestParser.HEAD_COMPLETE);
        long b = RouteTable.pathBounds(buf, p);
        return table.match(buf, p.method(), p.methodOffset(), p.methodLength(), (int) (b >> 32), (int) b, bounds);
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @Test
    void literalBeforeParametersAndMethodFallbacks() {
        HttpHandler users = req -> HttpResponse.text("users");
        HttpHandler me = req -> HttpResponse.text("me");
        HttpHandler tail = req -> HttpResponse.text("tail");
        HttpHandler purge = req -> HttpResponse.text("purge");
        HttpHandler any = req -> HttpResponse.text("any");
        Router router = new Router()
                .get("/users/{id}", users)
                .get("/users/me", me)
                .route("PURGE", "/users/{id}", purge)
                .get("/static/{*rest}", tail)
                .any("/any", any)
                .get("/", H);
        RouteTable t = new RouteTable(router, "ringnet");
        int[] bounds = new int[2 * Math.max(1, t.maxParams)];
        assertThat(match(t, get("/users/me"), bounds).handler).isSameAs(me);
        assertThat(match(t, get("/users/7"), bounds).handler).isSameAs(users);
        assertThat(match(t, "HEAD /users/7 HTTP/1.1\r\nHost: x\r\n\r\n", bounds).handler).isSameAs(users);
        assertThat(match(t, "PURGE /users/7 HTTP/1.1\r\nHost: x\r\n\r\n", bounds).handler).isSameAs(purge);
        assertThat(match(t, get("/static/"), bounds).handler).as("{*rest} may be empty").isSameAs(tail);
        assertThat(match(t, get("/static/a/b"), bounds).handler).isSameAs(tail);
        assertThat(match(t, "DELETE /any HTTP/1.1\r\nHost: x\r\n\r\n", bounds).handler).isSameAs(any);
        assertThat(match(t, get("http://h:80"), bounds).handler).as("absolute-form without a path is /").isSameAs(H);

        RouteTable.Route notAllowed = match(t, "POST /users/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", bounds);
        assertThat(notAllowed.kind).isEqualTo(Router.Kind.FIXED);
        String encoded = new String(notAllowed.fixed.byMode[0].toByteArray(), StandardCharsets.ISO_8859_1);
        assertThat(encoded).startsWith("HTTP/1.1 405 ").contains("Allow: GET, HEAD, PURGE\r\n", "Server: ringnet\r\n");

        RouteTable.Route missing = match(t, get("/users/7/extra"), bounds);
        assertThat(new String(missing.fixed.byMode[0].toByteArray(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 404 ");
        assertThat(match(t, get("/users/"), bounds).fixed).as("an empty segment is no parameter").isNotNull();
    }

    @Test
    void invalidRegistrationsAreRejected() {
        Router r = new Router().get("/a", H);
        assertThatThrownBy(() -> r.get("/a", H)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> r.get("a", H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.get("/a/{*x}/b", H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.get("/a/{x}/{x}", H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.get("/a/b{x}", H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.get("/q?x", H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.route("GE T", "/b", H)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.get("/c", HttpResponse.chunked(200, "text/plain", java.util.List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void responsesValidateTheirFields() {
        assertThatThrownBy(() -> HttpResponse.text("x").withHeader("X-A", "a\r\nInjected: 1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponse.text("x").withHeader("Bad Name", "v"))
                .isInstanceOf(IllegalArgumentException.class);
        for (String managed : new String[] {"Content-Length", "transfer-encoding", "Connection", "Date", "Server"}) {
            assertThatThrownBy(() -> HttpResponse.builder(200).header(managed, "1"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> HttpResponse.status(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpResponse.text(204, "body")).isInstanceOf(IllegalArgumentException.class);
        HttpResponse r = HttpResponse.builder(201).header("Location", "/x").header("content-type", "a/b")
                .body(new byte[] {1}).build();
        assertThat(r.contentType()).isEqualTo("a/b");
        assertThat(r.header("location")).isEqualTo("/x");
        assertThat(r.withHeader("X-B", "2").headers()).hasSize(2);
    }

    @Test
    void serverBuilderRejectsNonsense() {
        assertThatThrownBy(() -> HttpServer.builder().idleTimeout(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpServer.builder().serverName("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpServer.builder().maxPipelinedRequests(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
