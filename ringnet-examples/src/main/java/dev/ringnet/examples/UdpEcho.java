package dev.ringnet.examples;

import dev.ringnet.io.DatagramHandler;
import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import dev.ringnet.net.Datagram;
import dev.ringnet.net.UdpSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * UDP echo: the server answers each datagram to its sender in the callback form ({@code recvFrom},
 * then {@code sendTo}); the client sends and waits for the answer in the blocking form, with a
 * deadline because UDP may lose datagrams.
 *
 * <p>Run: {@code java dev.ringnet.examples.UdpEcho [port]} (default 7001) starts a server and
 * pings it once.
 */
public final class UdpEcho implements AutoCloseable {
    private static final DatagramHandler<UdpEcho> ON_RECEIVED = UdpEcho::onReceived;
    private static final IoHandler<UdpEcho> ON_SENT = UdpEcho::onSent;

    private final UdpSocket socket;
    private final InetSocketAddress address;
    /** One datagram at a time: received into, then sent back from, this buffer. */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

    private UdpEcho(UdpSocket socket) throws IOException {
        this.socket = socket;
        this.address = socket.localAddress();
    }

    /** Binds the loopback address at {@code port} (0: any free port) and starts echoing. Any thread. */
    public static UdpEcho start(IoContext ctx, int port) throws IOException {
        UdpEcho server = new UdpEcho(UdpSocket.bind(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        ctx.post(() -> server.socket.recvFrom(server.buffer, ON_RECEIVED, server));
        return server;
    }

    private static void onReceived(int bytes, InetSocketAddress sender, IOException error, UdpEcho server) {
        if (error instanceof OperationCancelledException) {
            return;                                              // closed
        }
        if (error != null) {                                     // e.g. ICMP port unreachable: keep going
            server.buffer.clear();
            server.socket.recvFrom(server.buffer, ON_RECEIVED, server);
            return;
        }
        server.buffer.flip();
        server.socket.sendTo(server.buffer, sender, ON_SENT, server);
    }

    private static void onSent(int bytes, IOException error, UdpEcho server) {
        if (error instanceof OperationCancelledException) {
            return;
        }
        server.buffer.clear();
        server.socket.recvFrom(server.buffer, ON_RECEIVED, server);
    }

    /** The bound address, with the real port. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        socket.close();
    }

    /**
     * Sends {@code text} to {@code server} from a fresh socket and returns the answer, or throws
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}. Runs as a task.
     */
    public static Task<String> ping(IoContext ctx, SocketAddress server, String text, Duration timeout) {
        return ctx.spawn(() -> {
            try (UdpSocket client = UdpSocket.bind(ctx, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                client.sendTo(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), server);
                ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                Datagram answer = ctx.callWithTimeout(timeout, () -> client.recvFrom(in));
                return new String(in.array(), 0, answer.bytes(), StandardCharsets.UTF_8);
            }
        });
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7001;
        try (IoContext ctx = IoContext.create()) {
            ctx.start();
            try (UdpEcho server = start(ctx, port)) {
                System.out.println("udp echo on " + server.address());
                System.out.println("answer: " + ping(ctx, server.address(), "ping", Duration.ofSeconds(2)).join());
            }
        }
    }
}
