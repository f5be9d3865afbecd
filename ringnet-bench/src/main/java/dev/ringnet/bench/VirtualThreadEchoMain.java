package dev.ringnet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Set;

/**
 * The JDK echo server of the benchmark's {@code echo} shape: {@code java.net} sockets, one virtual
 * thread per connection, each looping {@code read} into a 16 KiB array (the size of ringnet's
 * {@link EchoServer} buffer) and {@code write} of what it read, until end of stream or an error.
 * Accepts on a platform thread, as {@link VirtualThreadHttpMain} does.
 *
 * <p>{@code VirtualThreadEchoMain --port P [--host H]}; prints
 * {@code listening on HOST:PORT server jdk-vt transport vt pid PID}, exits on SIGTERM.
 */
public final class VirtualThreadEchoMain {
    static final int BUFFER_BYTES = 16 * 1024;

    private final VirtualThreadAcceptor acceptor;

    private VirtualThreadEchoMain(VirtualThreadAcceptor acceptor) {
        this.acceptor = acceptor;
    }

    static VirtualThreadEchoMain start(String host, int port) throws IOException {
        return new VirtualThreadEchoMain(VirtualThreadAcceptor.start(host, port, "jdk-vt-echo-accept", VirtualThreadEchoMain::serve));
    }

    int port() {
        return acceptor.port();
    }

    void close() throws IOException {
        acceptor.close();
    }

    private static void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[BUFFER_BYTES];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // reset or closed by the client: the connection is over either way
        }
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv, Set.of("--port", "--host", "--transport"), Set.of());
        String host = a.string("--host", "127.0.0.1");
        VirtualThreadEchoMain server = start(host, a.integer("--port", 7000, 0));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                // exiting anyway
            }
        }));
        System.out.println("listening on " + host + ":" + server.port() + " server jdk-vt transport vt pid "
                + ProcessHandle.current().pid());
        System.out.flush();
        Thread.currentThread().join();
    }
}
