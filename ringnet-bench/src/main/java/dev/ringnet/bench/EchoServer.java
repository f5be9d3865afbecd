package dev.ringnet.bench;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The benchmark's echo server: callback form, one loop, nothing allocated per operation.
 *
 * <p>One accept in flight, re-armed on each completion. Each connection is a {@link Conn} (the
 * attachment of all its operations) with one direct buffer, cycling
 * {@code recv -> flip -> sendAll -> clear -> recv} until end of stream or an error. The handlers
 * are static constants, so steady-state echoing allocates nothing on the loop thread.
 *
 * <p>Used by {@link EchoServerMain} (one server per JVM, the benchmark's configuration) and by
 * the smoke test (in-process).
 */
public final class EchoServer {
    /** Receive buffer per connection; far above the 64-byte messages, as a real server would have. */
    static final int BUFFER_BYTES = 16 * 1024;
    private static final Duration ACCEPT_RETRY = Duration.ofMillis(50);

    private static final ResultHandler<TcpSocket, EchoServer> ON_ACCEPTED = EchoServer::accepted;
    private static final IoHandler<Conn> ON_RECEIVED = EchoServer::received;
    private static final IoHandler<Conn> ON_SENT = EchoServer::sent;

    private final IoContext ctx;
    private final TcpListener listener;
    private final Runnable acceptAgain = this::accept;
    private long accepted;
    private long acceptErrors;

    private static final class Conn {
        final TcpSocket socket;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);

        Conn(TcpSocket socket) {
            this.socket = socket;
        }
    }

    private EchoServer(IoContext ctx, TcpListener listener) {
        this.ctx = ctx;
        this.listener = listener;
    }

    /**
     * Binds {@code local} on {@code ctx} and arms the first accept. Call on the loop thread (before
     * the loop runs, the thread that created the context).
     */
    public static EchoServer start(IoContext ctx, InetSocketAddress local) throws IOException {
        TcpListener listener = TcpListener.bind(ctx, local);
        EchoServer server = new EchoServer(ctx, listener);
        server.accept();
        return server;
    }

    /** The bound address (with the real port when bound to port 0). */
    public InetSocketAddress localAddress() throws IOException {
        return listener.localAddress();
    }

    /** Connections accepted so far (read on the loop thread, or after it stopped). */
    public long accepted() {
        return accepted;
    }

    /** Accept failures so far. */
    public long acceptErrors() {
        return acceptErrors;
    }

    /** Stops accepting; open connections are closed with the context. */
    public void close() {
        listener.close();
    }

    private void accept() {
        try {
            listener.accept(ON_ACCEPTED, this);
        } catch (RejectedExecutionException loopClosed) {
            // the context is closing
        }
    }

    private static void accepted(TcpSocket socket, IOException error, EchoServer server) {
        if (error != null) {
            if (!(error instanceof OperationCancelledException) && server.listener.isOpen()) {
                server.acceptErrors++;
                server.ctx.schedule(ACCEPT_RETRY, server.acceptAgain);
            }
            return;
        }
        server.accepted++;
        server.accept();
        Conn conn = new Conn(socket);
        receive(conn);
    }

    private static void receive(Conn conn) {
        try {
            conn.socket.recv(conn.buffer, ON_RECEIVED, conn);
        } catch (RejectedExecutionException loopClosed) {
            conn.socket.close();
        }
    }

    private static void received(int n, IOException error, Conn conn) {
        if (error != null || n < 0) {              // failed, cancelled, or the peer closed
            conn.socket.close();
            return;
        }
        conn.buffer.flip();
        try {
            conn.socket.sendAll(conn.buffer, ON_SENT, conn);
        } catch (RejectedExecutionException loopClosed) {
            conn.socket.close();
        }
    }

    private static void sent(int n, IOException error, Conn conn) {
        if (error != null) {
            conn.socket.close();
            return;
        }
        conn.buffer.clear();
        receive(conn);
    }
}
