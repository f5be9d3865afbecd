package dev.ringnet.backend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;

/**
 * The completion-based (proactor) SPI every I/O backend implements: io_uring natively, epoll and
 * {@code java.nio} by attempting the I/O at once and waiting for readiness only when it would block.
 *
 * <p>Sockets are named by an {@code int} handle (the file descriptor for native backends, a table
 * index for NIO). Control calls (open, bind, options, shutdown, close) are synchronous; I/O is
 * submitted as an {@link Op} and completes later through the {@link OpSink} given at creation, always
 * from {@link #poll} and never from inside {@link #submit}, so a handler never runs re-entrantly
 * inside the call that submitted the next operation.
 *
 * <p>Thread confinement: every method but {@link #wakeup()} is called only on the loop thread.
 *
 * <p>Ownership: the backend owns every handle it opened and all its native memory until
 * {@link #close()}, which aborts each pending op through the sink exactly once and then releases
 * everything.
 */
public interface Backend extends AutoCloseable {

    /** What a handle is. */
    enum SocketType { STREAM, LISTENER, DATAGRAM }

    /** The name users select it by ({@code nio}, {@code io_uring}, {@code epoll}). */
    String name();

    /**
     * Opens a non-blocking socket.
     *
     * @param family {@code INET}, {@code INET6}, or null for the platform default (dual-stack IPv6
     *               where available)
     * @return its handle
     */
    int open(SocketType type, ProtocolFamily family) throws IOException;

    /** Binds a handle; for a LISTENER also starts listening with {@code backlog}. */
    void bind(int handle, SocketAddress local, int backlog) throws IOException;

    /** Fixes the peer of a DATAGRAM handle (sends go there, receives come only from there). */
    void connectDatagram(int handle, SocketAddress remote) throws IOException;

    /** Sets a socket option ({@link java.net.StandardSocketOptions}). */
    <T> void setOption(int handle, SocketOption<T> option, T value) throws IOException;

    /** Reads a socket option. */
    <T> T getOption(int handle, SocketOption<T> option) throws IOException;

    /** The local address, or null when unbound. */
    InetSocketAddress localAddress(int handle) throws IOException;

    /** The connected peer, or null. */
    InetSocketAddress remoteAddress(int handle) throws IOException;

    /**
     * Gives up a connected STREAM handle with no pending operation, so that another loop's backend
     * of the same kind can {@link #adopt} it: the handle is no longer this backend's, the socket stays
     * open and is owned by the returned token.
     */
    DetachedSocket detach(int handle) throws IOException;

    /** Takes ownership of a socket another backend of this kind detached; returns its handle here. */
    int adopt(DetachedSocket socket) throws IOException;

    /** Half-closes a STREAM: sends FIN; receiving goes on. */
    void shutdownOutput(int handle) throws IOException;

    /** Aborts the handle's pending ops ({@link OpSink#aborted}) and closes it. Idempotent. */
    void close(int handle);

    /**
     * True if the backend enforces {@link Op#timeoutNanos} for ops of this kind itself (io_uring's
     * linked timeouts) and reports expiry with {@link OpSink#timedOut}; otherwise the loop arms a
     * timer that cancels the op.
     */
    default boolean linksTimeout(byte kind) {
        return false;
    }

    /**
     * The only thread that may ever poll this backend, once it has polled (io_uring with
     * {@code IORING_SETUP_SINGLE_ISSUER}), or null when any thread may, one at a time.
     */
    default Thread boundThread() {
        return null;
    }

    /** Starts an operation. It completes through the sink during a later {@link #poll}. */
    void submit(Op op);

    /**
     * Asks for a cancelled op (its state already CANCELLED or TIMED_OUT) to end. If the backend
     * still holds the op it unlinks it and reports {@link OpSink#cancelled}; if the kernel has it in
     * flight, its completion arrives later (possibly with a result, which is then delivered).
     */
    void cancel(Op op);

    /**
     * Waits up to {@code timeoutNanos} (0: don't wait, negative: until woken) for completions and
     * delivers them through the sink. Returns how many were delivered.
     */
    int poll(long timeoutNanos) throws IOException;

    /** Makes a blocked or the next {@link #poll} return promptly. Thread-safe. */
    void wakeup();

    /** How many handles are open (for leak checks and {@code pendingCount}). */
    int openHandles();

    /** Aborts every pending op, closes every handle and frees all native memory. Idempotent. */
    @Override
    void close();
}
