package dev.ringnet.backend;

import java.nio.channels.SelectableChannel;

/**
 * A connected TCP socket between two loops: {@link Backend#detach} hands it out, another backend
 * of the same kind {@link Backend#adopt}s it. Whoever holds it owns the socket; if it can never be
 * adopted, {@link #closeQuietly()} releases it.
 *
 * @param backend the backend kind it comes from (only that kind can adopt it)
 * @param fd      the file descriptor for native backends, -1 for java.nio
 * @param ipv6    whether it is an AF_INET6 socket
 * @param channel the channel for java.nio, null for native backends
 */
public record DetachedSocket(String backend, int fd, boolean ipv6, SelectableChannel channel) {

    /** Closes the socket when no loop will take it (the target loop closed meanwhile). */
    public void closeQuietly() {
        try {
            if (channel != null) {
                channel.close();
            } else if (fd >= 0) {
                dev.ringnet.backend.linux.Syscalls.closeFd(fd);
            }
        } catch (java.io.IOException | RuntimeException ignored) {
            // nothing else can be done with a socket nobody will own
        }
    }
}
