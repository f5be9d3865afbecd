package dev.ringnet.cli;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The TCP echo service in the callback form, all on the loop thread.
 *
 * <p>One listener with one accept in flight, re-armed on each completion. Each connection is a
 * {@link Connection} (the attachment of every one of its operations) owning one 16 KiB direct
 * buffer, and runs {@code recv -> flip -> sendAll -> clear -> recv} until end of stream or an
 * error, then closes. The three handlers are static constants shared by every connection, so a
 * connection allocates once when accepted and nothing per operation.
 *
 * <p>No handler submits again after its operation was cancelled (socket or loop closed): closing
 * the loop is what stops the service. An operation that had already finished when the loop closed
 * is still delivered with its real result, and the submit that would follow it is refused with
 * {@link RejectedExecutionException}: the connection then just closes.
 */
final class TcpEcho {
    static final int BUFFER_BYTES = 16 * 1024;
    /** Pause before accepting again after an accept failed (for example out of file descriptors). */
    private static final Duration ACCEPT_RETRY = Duration.ofMillis(100);

    private static final ResultHandler<TcpSocket, TcpEcho> ON_ACCEPTED = TcpEcho::accepted;
    private static final IoHandler<Connection> ON_RECEIVED = TcpEcho::received;
    private static final IoHandler<Connection> ON_SENT = TcpEcho::sent;

    private final IoContext ctx;
    private final TcpListener listener;
    private final PrintStream log;
    private final Runnable acceptAgain = this::accept;

    private TcpEcho(IoContext ctx, TcpListener listener, PrintStream log) {
        this.ctx = ctx;
        this.listener = listener;
        this.log = log;
    }

    /**
     * Binds {@code local} and arms the first accept. Call on {@code ctx}'s loop thread (before the
     * loop runs, that is the thread that created it).
     *
     * @param log where accept failures are reported
     * @return the bound address (the real port when {@code local}'s port is 0)
     */
    static InetSocketAddress start(IoContext ctx, InetSocketAddress local, PrintStream log) throws IOException {
        TcpListener listener = TcpListener.bind(ctx, local);
        try {
            InetSocketAddress bound = listener.localAddress();
            new TcpEcho(ctx, listener, log).accept();
            return bound;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    private void accept() {
        try {
            listener.accept(ON_ACCEPTED, this);
        } catch (RejectedExecutionException loopClosed) {
            // the loop is closing, and closes the listener with it
        }
    }

    private static void accepted(TcpSocket socket, IOException error, TcpEcho echo) {
        if (error != null) {
            echo.acceptFailed(error);
            return;
        }
        echo.accept(); // keep one accept in flight before serving this connection
        new Connection(socket).receive();
    }

    private void acceptFailed(IOException error) {
        if (error instanceof OperationCancelledException || !listener.isOpen() || ctx.isStopped()) {
            return; // shutting down
        }
        log.println("ringnet echo: accept failed, retrying in " + ACCEPT_RETRY.toMillis() + " ms: " + error);
        ctx.schedule(ACCEPT_RETRY, acceptAgain);
    }

    private static void received(int n, IOException error, Connection c) {
        if (error != null || n < 0) {
            c.close(); // end of stream, reset, or cancelled by close
            return;
        }
        c.send();
    }

    private static void sent(int n, IOException error, Connection c) {
        if (error != null) {
            c.close();
            return;
        }
        c.receive();
    }

    /** One accepted connection: its socket and its buffer; the attachment of all its operations. */
    private static final class Connection {
        final TcpSocket socket;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);

        Connection(TcpSocket socket) {
            this.socket = socket;
        }

        void receive() {
            buffer.clear();
            try {
                socket.recv(buffer, ON_RECEIVED, this);
            } catch (RejectedExecutionException loopClosed) {
                close();
            }
        }

        void send() {
            buffer.flip();
            try {
                socket.sendAll(buffer, ON_SENT, this);
            } catch (RejectedExecutionException loopClosed) {
                close();
            }
        }

        void close() {
            socket.close();
        }
    }
}
