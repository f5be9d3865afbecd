package dev.ringnet.cli;

import dev.ringnet.io.DatagramHandler;
import dev.ringnet.io.IoHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.loop.IoContext;
import dev.ringnet.net.SocketOptions;
import dev.ringnet.net.UdpSocket;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The UDP echo service in the callback form, on the loop thread: one socket, one buffer large
 * enough for any datagram, and {@code recvFrom -> flip -> sendTo(sender) -> clear -> recvFrom}.
 * The handlers are static constants and the service itself is their attachment, so a datagram
 * costs no allocation here (the sender's address comes from the backend).
 *
 * <p>A failed send is dropped (datagrams are best effort) and receiving goes on; a failed receive
 * is reported and retried after a pause; a cancelled operation (socket or loop closed), or a
 * submit refused because the loop is closing, ends the service.
 */
final class UdpEcho {
    /** The largest UDP payload over IPv4 is 65,507 bytes; IPv6 jumbograms aside, this holds any. */
    static final int BUFFER_BYTES = 64 * 1024;
    private static final Duration RECEIVE_RETRY = Duration.ofMillis(100);
    /**
     * Without {@code SO_REUSEADDR} (on in ringnet's defaults): with it on both sides, Linux lets a
     * second UDP socket bind a port already in use, and the two servers silently share it.
     */
    private static final SocketOptions OPTIONS = SocketOptions.defaults().withReuseAddress(false);

    private static final DatagramHandler<UdpEcho> ON_RECEIVED = UdpEcho::received;
    private static final IoHandler<UdpEcho> ON_SENT = UdpEcho::sent;

    private final IoContext ctx;
    private final UdpSocket socket;
    private final PrintStream log;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final Runnable receiveAgain = this::receive;

    private UdpEcho(IoContext ctx, UdpSocket socket, PrintStream log) {
        this.ctx = ctx;
        this.socket = socket;
        this.log = log;
    }

    /**
     * Binds {@code local} and arms the first receive. Call on {@code ctx}'s loop thread.
     *
     * @param log where receive failures are reported
     * @return the bound address (the real port when {@code local}'s port is 0)
     */
    static InetSocketAddress start(IoContext ctx, InetSocketAddress local, PrintStream log) throws IOException {
        UdpSocket socket = UdpSocket.bind(ctx, local, OPTIONS);
        try {
            InetSocketAddress bound = socket.localAddress();
            new UdpEcho(ctx, socket, log).receive();
            return bound;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void receive() {
        buffer.clear();
        try {
            socket.recvFrom(buffer, ON_RECEIVED, this);
        } catch (RejectedExecutionException loopClosed) {
            // the loop is closing, and closes the socket with it
        }
    }

    private static void received(int bytes, InetSocketAddress sender, IOException error, UdpEcho echo) {
        if (error != null) {
            if (!echo.stopping(error)) {
                echo.log.println("ringnet echo: receive failed, retrying in " + RECEIVE_RETRY.toMillis() + " ms: "
                        + error);
                echo.ctx.schedule(RECEIVE_RETRY, echo.receiveAgain);
            }
            return;
        }
        echo.buffer.flip();
        try {
            echo.socket.sendTo(echo.buffer, sender, ON_SENT, echo);
        } catch (RejectedExecutionException loopClosed) {
            // as in receive()
        }
    }

    private static void sent(int bytes, IOException error, UdpEcho echo) {
        if (error != null && echo.stopping(error)) {
            return;
        }
        echo.receive();
    }

    private boolean stopping(IOException error) {
        return error instanceof OperationCancelledException || !socket.isOpen() || ctx.isStopped();
    }
}
