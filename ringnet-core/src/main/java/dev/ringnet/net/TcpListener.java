package dev.ringnet.net;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.Completer;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpTable;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A listening TCP socket. Accepted connections belong to the same {@link IoContext} and get the
 * listener's {@link SocketOptions} for connections ({@code TCP_NODELAY}, {@code SO_KEEPALIVE},
 * send buffer).
 *
 * <pre>{@code
 * TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress("::", 7000));
 * listener.accept(onAccept, null);                    // callback form, on the loop thread
 * }</pre>
 *
 * IPv6 wildcard addresses ({@code ::}) accept IPv4 clients too where the system is dual-stack.
 */
public final class TcpListener implements AutoCloseable {
    private final Handle h;
    private final SocketOptions options;

    private TcpListener(Handle h, SocketOptions options) {
        this.h = h;
        this.options = options;
    }

    /**
     * Binds and listens with {@code options} (reuse address/port, backlog). Any thread; port 0
     * picks a free port ({@link #localAddress()} tells which).
     */
    public static TcpListener bind(IoContext ctx, InetSocketAddress local, SocketOptions options) throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(options, "options");
        return Loop.call(ctx, () -> {
            Handle h = Handle.open(ctx, SocketType.LISTENER, TcpSocket.familyOf(local));
            try {
                options.applyBeforeBind(h, true);
                h.backend.bind(h.live(), local, options.backlog());
            } catch (IOException | RuntimeException e) {
                h.close();
                throw e;
            }
            return new TcpListener(h, options);
        });
    }

    /** Binds and listens with {@link SocketOptions#defaults()}. */
    public static TcpListener bind(IoContext ctx, InetSocketAddress local) throws IOException {
        return bind(ctx, local, SocketOptions.defaults());
    }

    /** Accepts one connection (callback form, loop thread). */
    public <A> long accept(ResultHandler<TcpSocket, A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(handler, "handler");
        OpTable ops = h.ops;
        Op op = ops.acquire(Op.ACCEPT, h.live(), handler, attachment);
        ops.delivery(op, ACCEPTED, this);
        return ops.submit(op);
    }

    /**
     * Accepts connections until cancelled (multishot; callback form, loop thread): the handler runs
     * once per accepted connection, then a last time with an error — {@link
     * dev.ringnet.io.OperationCancelledException} after {@link #cancel(long)} or {@link #close()}.
     * On io_uring this is one multishot ACCEPT in the kernel instead of one submission per
     * connection.
     *
     * <pre>{@code
     * long id = listener.acceptMany((socket, err, server) -> {
     *     if (err != null) return;                       // the last call: cancelled or failed
     *     server.serve(socket);
     * }, server);
     * }</pre>
     *
     * @return the request id, for {@link #cancel(long)}
     */
    public <A> long acceptMany(ResultHandler<TcpSocket, A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(handler, "handler");
        OpTable ops = h.ops;
        Op op = ops.acquire(Op.ACCEPT_MULTI, h.live(), handler, attachment);
        ops.delivery(op, ACCEPTED, this);
        return ops.submit(op);
    }

    /** Accepts one connection ({@code CompletionStage} form). */
    public CompletionStage<TcpSocket> acceptAsync() {
        return Loop.submit(h.ctx, new OpFuture<TcpSocket>(h.ctx), f -> accept(f, null));
    }

    /** Accepts one connection (blocking form, virtual thread). */
    public TcpSocket accept() throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, acceptAsync());
    }

    /** Wraps the accepted handle, applies the connection options, then tells the handler. */
    @SuppressWarnings("unchecked")
    private static final Completer ACCEPTED = (owner, result, address, error, handler, attachment) -> {
        ResultHandler<TcpSocket, Object> user = (ResultHandler<TcpSocket, Object>) handler;
        if (error != null) {
            user.onComplete(null, error, attachment);
            return;
        }
        TcpListener listener = (TcpListener) owner;
        TcpSocket socket = TcpSocket.accepted(listener.h.ctx, result);
        try {
            listener.options.applyToStream(socket.handle(), true);
        } catch (IOException e) {
            socket.handle().close();
            user.onComplete(null, e, attachment);
            return;
        }
        user.onComplete(socket, null, attachment);
    };

    /** Cancels a pending accept by request id. */
    public boolean cancel(long requestId) {
        return h.ctx.cancel(requestId);
    }

    /** The bound address (with the real port when bound to port 0). */
    public InetSocketAddress localAddress() throws IOException {
        return Loop.call(h.ctx, h::localAddress);
    }

    /** The loop this listener belongs to. */
    public IoContext context() {
        return h.ctx;
    }

    /** False after {@link #close()}. */
    public boolean isOpen() {
        return h.isOpen();
    }

    /** Stops listening; pending accepts complete with {@link dev.ringnet.io.OperationCancelledException}. */
    @Override
    public void close() {
        h.closeFromAnyThread();
    }

    @Override
    public String toString() {
        return "TcpListener" + h;
    }
}
