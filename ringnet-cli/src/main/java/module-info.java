/**
 * The {@code ringnet} command line ({@code bin/ringnet}): {@code info} lists the I/O backends
 * available here, {@code echo} runs a TCP or UDP echo server on the callback API, {@code http} the
 * HTTP server on every core.
 */
module dev.ringnet.cli {
    requires dev.ringnet.core;
    requires dev.ringnet.http;
}
