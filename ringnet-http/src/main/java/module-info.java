/**
 * ringnet's HTTP/1.1 codec: {@link dev.ringnet.http.HttpRequestParser}, an incremental,
 * zero-copy request parser that allocates nothing per request, and
 * {@link dev.ringnet.http.HttpResponseEncoder}, which writes responses straight into a
 * {@link java.nio.ByteBuffer}. Both are pure: they do no I/O, so a server built on ringnet's
 * sockets (or anything else) drives them.
 */
module dev.ringnet.http {
    requires dev.ringnet.core;

    exports dev.ringnet.http;
}
