/**
 * ringnet's HTTP/1.1 server and codec.
 *
 * <p>{@link dev.ringnet.http.HttpServer} serves a {@link dev.ringnet.http.Router}'s routes on a
 * {@link dev.ringnet.server.ServerContext}, with handlers on the loop, on virtual threads, or
 * returning a {@code CompletionStage}. It is built from the codec, which does no I/O and can be
 * used on its own: {@link dev.ringnet.http.HttpRequestParser}, an incremental, zero-copy request
 * parser that allocates nothing per request, and {@link dev.ringnet.http.HttpResponseEncoder},
 * which writes responses straight into a {@link java.nio.ByteBuffer}.
 */
module dev.ringnet.http {
    requires transitive dev.ringnet.core;

    exports dev.ringnet.http;
}
