/**
 * HTTP/1.1 message codec, free of I/O.
 *
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
 * Everything here is confined to one thread at a time (one parser per connection, one encoder
 * and date per event loop), except {@link dev.ringnet.http.HttpLimits} and
 * {@link dev.ringnet.http.PreEncodedResponse}, which are immutable.
 */
package dev.ringnet.http;
