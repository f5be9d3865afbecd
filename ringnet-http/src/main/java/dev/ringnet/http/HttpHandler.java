package dev.ringnet.http;

/**
 * Answers a request with a response. Registered with {@link Router#get(String, HttpHandler)}
 * and the like it runs on the connection's event-loop thread and must not block; registered
 * with {@link Router#getBlocking(String, HttpHandler)} and the like it runs on a virtual thread
 * of its own and may block freely. Either way the server writes the responses of a connection in
 * the order of its requests.
 *
 * <p>An exception, or a null response, becomes a {@code 500 Internal Server Error}; the
 * connection stays usable since the request was read completely.
 */
@FunctionalInterface
public interface HttpHandler {
    /**
     * @param request the request, with its whole body
     * @return the response
     */
    HttpResponse handle(HttpRequest request) throws Exception;
}
