package dev.ringnet.examples;

import dev.ringnet.loop.IoContext;
import dev.ringnet.loop.Task;
import dev.ringnet.net.TcpSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An echo client in the blocking form: plain sequential code in a task ({@link IoContext#spawn}),
 * whose ringnet calls park its virtual thread until the loop delivers their completion.
 *
 * <p>Run: {@code java dev.ringnet.examples.VirtualThreadEchoClient [host] [port] [message]}
 * against {@link CallbackEchoServer} or {@code bin/ringnet echo --port 7000}.
 */
public final class VirtualThreadEchoClient {
    private VirtualThreadEchoClient() {}

    /**
     * Connects to {@code server}, sends {@code message}, half-closes, and reads the echo until the
     * server closes. The loop must be running on another thread ({@link IoContext#start()}).
     */
    public static Task<String> start(IoContext ctx, InetSocketAddress server, String message) {
        return ctx.spawn(() -> {
            try (TcpSocket socket = TcpSocket.connect(ctx, server, Duration.ofSeconds(5))) {
                socket.sendAll(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
                socket.shutdownOutput();                         // FIN: "that was everything"
                return new String(readToEnd(socket), StandardCharsets.UTF_8);
            }
        });
    }

    /** Receives until the peer closes (recv returns -1). */
    private static byte[] readToEnd(TcpSocket socket) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (socket.recv(in) >= 0) {
            received.write(in.array(), 0, in.position());
            in.clear();
        }
        return received.toByteArray();
    }

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 7000;
        String message = args.length > 2 ? args[2] : "hello, ringnet";
        try (IoContext ctx = IoContext.create()) {
            ctx.start();                                         // the loop gets its own thread
            String echo = start(ctx, new InetSocketAddress(host, port), message).join();
            System.out.println("sent \"" + message + "\", received \"" + echo + "\"");
        }
    }
}
