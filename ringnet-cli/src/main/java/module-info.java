/**
 * The {@code ringnet} command line ({@code bin/ringnet}): {@code info} lists the I/O backends
 * available here, {@code echo} runs a TCP or UDP echo server on the callback API.
 */
module dev.ringnet.cli {
    requires dev.ringnet.core;
}
