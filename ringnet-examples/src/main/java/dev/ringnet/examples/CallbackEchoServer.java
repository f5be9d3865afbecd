package dev.ringnet.examples;

import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpListener;
import dev.ringnet.net.TcpSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A TCP echo server in the callback form. The three handlers are constants shared by every
 * connection; per-connection state travels as the attachment, so after a connection is accepted
 * echoing its bytes allocates nothing.
 *
 * <p>Run: {@code java dev.ringnet.examples.CallbackEchoServer [port]} (default 7000), then
 * {@code nc localhost 7000}.
 */
public final class CallbackEchoServer implements AutoCloseable {

    /** One connection: its socket and its buffer, passed to every handler as the attachment. */
    static final class Conn {
        final TcpSocket socket;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(16 * 1024);

        Conn(TcpSocket socket) {
            this.socket = socket;
        }
    }

    private static final ResultHandler<TcpSocket, CallbackEchoServer> ON_ACCEPT = CallbackEchoServer::onAccept;
    private static final IoHandler<Conn> ON_READ = CallbackEchoServer::onRead;
    private static final IoHandler<Conn> ON_WRITTEN = CallbackEchoServer::onWritten;

    private final TcpListener listener;
    private final InetSocketAddress address;

    private CallbackEchoServer(TcpListener listener) throws IOException {
        this.listener = listener;
        this.address = listener.localAddress();
    }

    /**
     * Listens on the loopback address at {@code port} (0 picks a free port) and starts accepting.
     * May be called from any thread; the accept is submitted on the loop thread.
     */
    public static CallbackEchoServer start(IoContext ctx, int port) throws IOException {
        TcpListener listener = TcpListener.bind(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        CallbackEchoServer server = new CallbackEchoServer(listener);
        ctx.post(() -> listener.accept(ON_ACCEPT, server));    // the callback form runs on the loop thread
        return server;
    }

    private static void onAccept(TcpSocket socket, IOException error, CallbackEchoServer server) {
        if (error instanceof OperationCancelledException) {
            return;                                              // the listener or the loop was closed
        }
        if (error == null) {
            Conn conn = new Conn(socket);
            socket.recv(conn.buffer, ON_READ, conn);
        } else {
            System.err.println("accept failed: " + error);      // e.g. too many open files; keep serving
        }
        if (server.listener.isOpen()) {
            server.listener.accept(ON_ACCEPT, server);           // wait for the next connection
        }
    }

    private static void onRead(int n, IOException error, Conn conn) {
        if (error != null || n < 0) {                            // failed, or the peer closed (-1)
            conn.socket.close();
            return;
        }
        conn.buffer.flip();
        conn.socket.sendAll(conn.buffer, ON_WRITTEN, conn);      // all of it, however many writes it takes
    }

    private static void onWritten(int n, IOException error, Conn conn) {
        if (error != null) {
            conn.socket.close();
            return;
        }
        conn.buffer.clear();
        conn.socket.recv(conn.buffer, ON_READ, conn);
    }

    /** The address the server listens on, with the real port. */
    public InetSocketAddress address() {
        return address;
    }

    /** Stops accepting. Open connections go on until their peers close or the context closes. */
    @Override
    public void close() {
        listener.close();
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7000;
        try (IoContext ctx = IoContext.create(); CallbackEchoServer server = start(ctx, port)) {
            System.out.println("echo server on " + server.address() + " (" + ctx.backendName() + "); Ctrl-C stops it");
            ctx.run();
        }
    }
}
