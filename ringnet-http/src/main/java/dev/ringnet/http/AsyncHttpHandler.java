package dev.ringnet.http;

import java.util.concurrent.CompletionStage;

/**
 * Answers a request later: called on the connection's event-loop thread (so it must not block),
 * it returns a stage that may complete on any thread. The server writes the response on the loop
 * once the stage completes and every earlier response of the connection is written. Registered
 * with {@link Router#getAsync(String, AsyncHttpHandler)} and the like.
 *
 * <pre>{@code
 * router.getAsync("/later", req -> loop.sleepAsync(Duration.ofMillis(50))
 *         .thenApply(v -> HttpResponse.text("done")));
 * }</pre>
 *
 * <p>A stage that fails, an exception thrown here, or a null response becomes a {@code 500}.
 */
@FunctionalInterface
public interface AsyncHttpHandler {
    /**
     * @param request the request, with its whole body
     * @return the response, when it is ready
     */
    CompletionStage<HttpResponse> handle(HttpRequest request) throws Exception;
}
