package dev.ringnet.net;

import dev.ringnet.backend.Backend;
import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.OpTable;
import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketOption;

/**
 * One backend socket as the net classes see it: the loop it belongs to and its handle. Loop-thread
 * confined but for {@link #isOpen()}. After {@link #close()}, {@link #live()} is -1, so an
 * operation submitted on a closed socket fails with {@code ClosedChannelException} through its
 * handler instead of reaching a handle number the backend may have given to a newer socket.
 */
final class Handle {
    final IoContext ctx;
    final OpTable ops;
    final Backend backend;
    private final int handle;
    private volatile boolean closed;

    private Handle(IoContext ctx, int handle) {
        this.ctx = ctx;
        this.ops = ctx.opTable();
        this.backend = ctx.backend();
        this.handle = handle;
    }

    /** Opens a socket on the loop thread. */
    static Handle open(IoContext ctx, SocketType type, ProtocolFamily family) throws IOException {
        return new Handle(ctx, ctx.backend().open(type, family));
    }

    /** Wraps a handle the backend created (an accepted connection). */
    static Handle adopt(IoContext ctx, int handle) {
        return new Handle(ctx, handle);
    }

    int live() {
        return closed ? -1 : handle;
    }

    boolean isOpen() {
        return !closed && !ctx.isClosed();
    }

    <T> void set(SocketOption<T> option, T value) throws IOException {
        backend.setOption(handle, option, value);
    }

    <T> T get(SocketOption<T> option) throws IOException {
        return backend.getOption(handle, option);
    }

    InetSocketAddress localAddress() throws IOException {
        return backend.localAddress(handle);
    }

    InetSocketAddress remoteAddress() throws IOException {
        return backend.remoteAddress(handle);
    }

    /** Gives the socket up to another loop (see {@code TcpSocket.handOff}); this handle is closed for use. */
    dev.ringnet.backend.DetachedSocket detach() throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        dev.ringnet.backend.DetachedSocket moving = backend.detach(handle);
        closed = true;
        return moving;
    }

    /** Closes once; pending operations complete with {@code OperationCancelledException}. */
    void close() {
        if (!closed) {
            closed = true;
            backend.close(handle);
        }
    }

    /** Closes from any thread: on the loop, or posted to it (a closed loop already closed it). */
    void closeFromAnyThread() {
        if (ctx.inEventLoop()) {
            close();
        } else {
            try {
                Loop.call(ctx, () -> {
                    close();
                    return null;
                });
            } catch (IOException loopClosed) {
                closed = true; // the loop's close released every handle
            }
        }
    }

    @Override
    public String toString() {
        return "#" + handle + (closed ? " (closed)" : "");
    }
}
