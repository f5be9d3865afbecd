package dev.ringnet.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * The accept side of the JDK virtual-thread servers ({@link VirtualThreadHttpMain},
 * {@link VirtualThreadEchoMain}): a {@code java.net} listener (backlog 8192, {@code SO_REUSEADDR})
 * accepting on a daemon platform thread, each connection ({@code TCP_NODELAY}) served on its own
 * virtual thread. Owns the listener; {@link #close()} closes it and ends the accept loop.
 */
final class VirtualThreadAcceptor {
    private final ServerSocket socket;
    private final Consumer<Socket> serve;
    private volatile boolean closed;

    private VirtualThreadAcceptor(ServerSocket socket, Consumer<Socket> serve) {
        this.socket = socket;
        this.serve = serve;
    }

    /** Binds {@code host:port} (0: any free port) and starts accepting on a thread named {@code threadName}. */
    static VirtualThreadAcceptor start(String host, int port, String threadName, Consumer<Socket> serve) throws IOException {
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(host, port), 8192);
        } catch (IOException | RuntimeException e) {
            ss.close();
            throw e;
        }
        VirtualThreadAcceptor acceptor = new VirtualThreadAcceptor(ss, serve);
        Thread.ofPlatform().daemon().name(threadName).start(acceptor::acceptLoop);
        return acceptor;
    }

    int port() {
        return socket.getLocalPort();
    }

    void close() throws IOException {
        closed = true;
        socket.close();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                s.setTcpNoDelay(true);
                Thread.startVirtualThread(() -> serve.accept(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }
}
