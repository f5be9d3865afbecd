package dev.ringnet.net;

import java.io.IOException;
import java.net.StandardSocketOptions;

/**
 * Socket options applied when ringnet opens, binds, connects or accepts a socket. Immutable: each
 * {@code with...} method returns a copy.
 *
 * <pre>{@code
 * SocketOptions opts = SocketOptions.defaults().withReusePort(true).withBacklog(4096);
 * TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress(8080), opts);
 * }</pre>
 *
 * Defaults: {@code SO_REUSEADDR} on for TCP listeners (a restarted server rebinds a port in
 * TIME_WAIT at once) and off for UDP unless asked for (on Linux it would let a second UDP socket
 * silently share the port), {@code SO_REUSEPORT} off, backlog 1024, {@code TCP_NODELAY} on
 * (request/response traffic should not wait for Nagle), {@code SO_KEEPALIVE} off, kernel buffer
 * sizes, broadcast off.
 */
public final class SocketOptions {
    private static final SocketOptions DEFAULTS = new SocketOptions(true, false, 1024, true, false, 0, 0, false, false);

    private final boolean reuseAddress;
    private final boolean reusePort;
    private final int backlog;
    private final boolean noDelay;
    private final boolean keepAlive;
    private final int receiveBufferSize;
    private final int sendBufferSize;
    private final boolean broadcast;
    /** {@link #withReuseAddress} was called: then UDP sockets get SO_REUSEADDR too. */
    private final boolean reuseAddressChosen;

    private SocketOptions(boolean reuseAddress, boolean reusePort, int backlog, boolean noDelay, boolean keepAlive,
                          int receiveBufferSize, int sendBufferSize, boolean broadcast, boolean reuseAddressChosen) {
        this.reuseAddressChosen = reuseAddressChosen;
        this.reuseAddress = reuseAddress;
        this.reusePort = reusePort;
        this.backlog = backlog;
        this.noDelay = noDelay;
        this.keepAlive = keepAlive;
        this.receiveBufferSize = receiveBufferSize;
        this.sendBufferSize = sendBufferSize;
        this.broadcast = broadcast;
    }

    /** The defaults listed in the class documentation. */
    public static SocketOptions defaults() {
        return DEFAULTS;
    }

    /**
     * {@code SO_REUSEADDR}: for listeners, rebind a port in TIME_WAIT at once (the default); for UDP
     * sockets only when asked for here (several sockets may then share the address).
     */
    public SocketOptions withReuseAddress(boolean on) {
        return new SocketOptions(on, reusePort, backlog, noDelay, keepAlive, receiveBufferSize, sendBufferSize, broadcast, true);
    }

    /** {@code SO_REUSEPORT}: several sockets bound to one port, the kernel spreading connections. */
    public SocketOptions withReusePort(boolean on) {
        return new SocketOptions(reuseAddress, on, backlog, noDelay, keepAlive, receiveBufferSize, sendBufferSize, broadcast, reuseAddressChosen);
    }

    /** The listen backlog: connections the kernel queues before {@code accept}. */
    public SocketOptions withBacklog(int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("backlog must be positive: " + connections);
        }
        return new SocketOptions(reuseAddress, reusePort, connections, noDelay, keepAlive, receiveBufferSize, sendBufferSize, broadcast, reuseAddressChosen);
    }

    /** {@code TCP_NODELAY} on connected and accepted sockets. */
    public SocketOptions withNoDelay(boolean on) {
        return new SocketOptions(reuseAddress, reusePort, backlog, on, keepAlive, receiveBufferSize, sendBufferSize, broadcast, reuseAddressChosen);
    }

    /** {@code SO_KEEPALIVE} on connected and accepted sockets. */
    public SocketOptions withKeepAlive(boolean on) {
        return new SocketOptions(reuseAddress, reusePort, backlog, noDelay, on, receiveBufferSize, sendBufferSize, broadcast, reuseAddressChosen);
    }

    /** {@code SO_RCVBUF} in bytes; 0 keeps the kernel's default. */
    public SocketOptions withReceiveBufferSize(int bytes) {
        return new SocketOptions(reuseAddress, reusePort, backlog, noDelay, keepAlive, checkSize(bytes), sendBufferSize, broadcast, reuseAddressChosen);
    }

    /** {@code SO_SNDBUF} in bytes; 0 keeps the kernel's default. */
    public SocketOptions withSendBufferSize(int bytes) {
        return new SocketOptions(reuseAddress, reusePort, backlog, noDelay, keepAlive, receiveBufferSize, checkSize(bytes), broadcast, reuseAddressChosen);
    }

    /** {@code SO_BROADCAST} for UDP sockets. */
    public SocketOptions withBroadcast(boolean on) {
        return new SocketOptions(reuseAddress, reusePort, backlog, noDelay, keepAlive, receiveBufferSize, sendBufferSize, on, reuseAddressChosen);
    }

    private static int checkSize(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("buffer size must be >= 0: " + bytes);
        }
        return bytes;
    }

    public boolean reuseAddress() { return reuseAddress; }
    public boolean reusePort() { return reusePort; }
    public int backlog() { return backlog; }
    public boolean noDelay() { return noDelay; }
    public boolean keepAlive() { return keepAlive; }
    public int receiveBufferSize() { return receiveBufferSize; }
    public int sendBufferSize() { return sendBufferSize; }
    public boolean broadcast() { return broadcast; }

    /** Options that matter before bind (listeners and UDP). */
    void applyBeforeBind(Handle h, boolean listener) throws IOException {
        if (listener || reuseAddressChosen) {
            h.set(StandardSocketOptions.SO_REUSEADDR, reuseAddress);
        }
        if (reusePort) {
            h.set(StandardSocketOptions.SO_REUSEPORT, true);
        }
        if (receiveBufferSize > 0) {
            h.set(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
        }
        if (!listener) {
            if (sendBufferSize > 0) {
                h.set(StandardSocketOptions.SO_SNDBUF, sendBufferSize);
            }
            if (broadcast) {
                h.set(StandardSocketOptions.SO_BROADCAST, true);
            }
        }
    }

    /** Options of a TCP connection, set on connected and accepted sockets (defaults cost no call). */
    void applyToStream(Handle h, boolean accepted) throws IOException {
        if (noDelay) {
            h.set(StandardSocketOptions.TCP_NODELAY, true);
        }
        if (keepAlive) {
            h.set(StandardSocketOptions.SO_KEEPALIVE, true);
        }
        if (!accepted && receiveBufferSize > 0) {
            h.set(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
        }
        if (sendBufferSize > 0) {
            h.set(StandardSocketOptions.SO_SNDBUF, sendBufferSize);
        }
    }

    @Override
    public String toString() {
        return "SocketOptions[reuseAddress=" + reuseAddress + ", reusePort=" + reusePort + ", backlog=" + backlog
                + ", noDelay=" + noDelay + ", keepAlive=" + keepAlive + ", rcvbuf=" + receiveBufferSize
                + ", sndbuf=" + sendBufferSize + ", broadcast=" + broadcast + "]";
    }
}
