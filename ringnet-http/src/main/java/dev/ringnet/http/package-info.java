/**
 * An HTTP/1.1 server on ringnet's loops, and the message codec it is built from.
 *
 * <h2>Server</h2>
 * <ul>
 *   <li>{@link dev.ringnet.http.HttpServer}: one server over every worker of a
 *       {@link dev.ringnet.server.ServerContext}; persistent connections, pipelining with one send
 *       per batch, {@code Expect: 100-continue}, HEAD, header/body/idle deadlines without a timer
 *       per request, graceful drain on shutdown.
 *   <li>{@link dev.ringnet.http.Router}: routes by method and path pattern ({@code /users/{id}});
 *       constant responses (pre-encoded), loop handlers ({@link dev.ringnet.http.HttpHandler}),
 *       async handlers ({@link dev.ringnet.http.AsyncHttpHandler}), blocking handlers on virtual
 *       threads, and streaming-body handlers.
 *   <li>{@link dev.ringnet.http.HttpRequest} and {@link dev.ringnet.http.HttpResponse}: what
 *       handlers see and return; {@link dev.ringnet.http.TechEmpower}: the benchmark endpoints.
 * </ul>
 *
 * <h2>Codec, free of I/O</h2>
 * <ul>
 *   <li>{@link dev.ringnet.http.HttpRequestParser}: incremental, zero-copy, strict RFC 9112
 *       request parser with pipelining and streaming bodies (Content-Length and chunked);
 *       allocation-free per request. Limits come from {@link dev.ringnet.http.HttpLimits};
 *       methods are {@link dev.ringnet.http.HttpMethod} codes.
 *   <li>{@link dev.ringnet.http.HttpResponseEncoder}: writes status lines, headers, bodies and
 *       chunks into a {@link java.nio.ByteBuffer} without allocating;
 *       {@link dev.ringnet.http.HttpDate} caches the {@code Date} value per second;
 *       {@link dev.ringnet.http.PreEncodedResponse} holds constant responses rendered once.
 * </ul>
 *
 * The codec classes are confined to one thread at a time (one parser per connection, one encoder
 * and date per event loop), except {@link dev.ringnet.http.HttpLimits} and
 * {@link dev.ringnet.http.PreEncodedResponse}, which are immutable, as are
 * {@link dev.ringnet.http.HttpResponse} and a built {@link dev.ringnet.http.HttpServer}'s routes.
 */
package dev.ringnet.http;
