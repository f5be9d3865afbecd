package dev.ringnet.net;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.Completer;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpTable;
import dev.ringnet.io.DatagramHandler;
import dev.ringnet.io.IoHandler;
import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A UDP socket. Same three forms and buffer rules as {@link TcpSocket}; one operation moves one
 * datagram. A datagram larger than the receive buffer's remaining space is truncated.
 *
 * <pre>{@code
 * UdpSocket udp = UdpSocket.bind(ctx, new InetSocketAddress("127.0.0.1", 0));
 * udp.sendTo(ByteBuffer.wrap("hello".getBytes()), peer);          // virtual thread
 * Datagram d = udp.recvFrom(buf);                                   // d.sender(), d.bytes()
 * }</pre>
 *
 * After {@link #connect}, {@link #send} and {@link #recv} talk to that one peer.
 * {@link SocketOptions#withBroadcast(boolean)} allows sending to broadcast addresses.
 */
public final class UdpSocket implements AutoCloseable {
    private final Handle h;

    private UdpSocket(Handle h) {
        this.h = h;
    }

    /** Opens a UDP socket bound to {@code local} (port 0: any free port). Any thread. */
    public static UdpSocket bind(IoContext ctx, InetSocketAddress local, SocketOptions options) throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(options, "options");
        return Loop.call(ctx, () -> {
            Handle h = Handle.open(ctx, SocketType.DATAGRAM, TcpSocket.familyOf(local));
            try {
                options.applyBeforeBind(h, false);
                h.backend.bind(h.live(), local, 0);
            } catch (IOException | RuntimeException e) {
                h.close();
                throw e;
            }
            return new UdpSocket(h);
        });
    }

    /** Opens a UDP socket bound to {@code local} with default options. */
    public static UdpSocket bind(IoContext ctx, InetSocketAddress local) throws IOException {
        return bind(ctx, local, SocketOptions.defaults());
    }

    /** Fixes the peer: {@link #send}/{@link #recv} use it, and only its datagrams are received. */
    public UdpSocket connect(SocketAddress remote) throws IOException {
        Loop.call(h.ctx, () -> {
            h.backend.connectDatagram(h.live(), remote);
            return null;
        });
        return this;
    }

    // ------------------------------------------------------------------ unconnected

    /** Sends one datagram to {@code target} (callback form). Result: bytes sent. */
    public <A> long sendTo(ByteBuffer src, SocketAddress target, IoHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(target, "target");
        Op op = acquire(Op.SEND_TO, src, handler, attachment);
        op.address = target;
        return h.ops.submit(op);
    }

    /** Sends one datagram ({@code CompletionStage} form). */
    public CompletionStage<Integer> sendToAsync(ByteBuffer src, SocketAddress target) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> sendTo(src, target, f, null));
    }

    /** Sends one datagram (blocking form). */
    public int sendTo(ByteBuffer src, SocketAddress target) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, sendToAsync(src, target));
    }

    /** Receives one datagram and its sender (callback form). */
    public <A> long recvFrom(ByteBuffer dst, DatagramHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(handler, "handler");
        Op op = acquire(Op.RECV_FROM, dst, handler, attachment);
        h.ops.delivery(op, RECEIVED, this);
        return h.ops.submit(op);
    }

    /** Receives one datagram ({@code CompletionStage} form). */
    public CompletionStage<Datagram> recvFromAsync(ByteBuffer dst) {
        return Loop.submit(h.ctx, new OpFuture<Datagram>(h.ctx), f -> recvFrom(dst, f, null));
    }

    /** Receives one datagram (blocking form). */
    public Datagram recvFrom(ByteBuffer dst) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, recvFromAsync(dst));
    }

    @SuppressWarnings("unchecked")
    private static final Completer RECEIVED = (owner, result, address, error, handler, attachment) ->
            ((DatagramHandler<Object>) handler).onComplete(result, error == null ? (InetSocketAddress) address : null,
                    error, attachment);

    // ------------------------------------------------------------------ connected

    /** Sends one datagram to the connected peer (callback form). */
    public <A> long send(ByteBuffer src, IoHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        return h.ops.submit(acquire(Op.SEND, src, handler, attachment));
    }

    /** Sends one datagram to the connected peer ({@code CompletionStage} form). */
    public CompletionStage<Integer> sendAsync(ByteBuffer src) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> send(src, f, null));
    }

    /** Sends one datagram to the connected peer (blocking form). */
    public int send(ByteBuffer src) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, sendAsync(src));
    }

    /** Receives one datagram from the connected peer (callback form). */
    public <A> long recv(ByteBuffer dst, IoHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        return h.ops.submit(acquire(Op.RECV, dst, handler, attachment));
    }

    /** Receives one datagram from the connected peer ({@code CompletionStage} form). */
    public CompletionStage<Integer> recvAsync(ByteBuffer dst) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> recv(dst, f, null));
    }

    /** Receives one datagram from the connected peer (blocking form). */
    public int recv(ByteBuffer dst) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, recvAsync(dst));
    }

    private Op acquire(byte kind, ByteBuffer buffer, Object handler, Object attachment) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.requireNonNull(handler, "handler");
        OpTable ops = h.ops;
        Op op = ops.acquire(kind, h.live(), handler, attachment);
        op.buffer = buffer;
        return op;
    }

    // ------------------------------------------------------------------ control

    /** Cancels an operation by request id. */
    public boolean cancel(long requestId) {
        return h.ctx.cancel(requestId);
    }

    /** Sets a socket option. */
    public <T> UdpSocket setOption(SocketOption<T> option, T value) throws IOException {
        Loop.call(h.ctx, () -> {
            h.set(option, value);
            return null;
        });
        return this;
    }

    /** Reads a socket option. */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return Loop.call(h.ctx, () -> h.get(option));
    }

    /** The bound address. */
    public InetSocketAddress localAddress() throws IOException {
        return Loop.call(h.ctx, h::localAddress);
    }

    /** False after {@link #close()}. */
    public boolean isOpen() {
        return h.isOpen();
    }

    /** Closes the socket; pending operations complete with an {@link dev.ringnet.io.OperationCancelledException}. */
    @Override
    public void close() {
        h.closeFromAnyThread();
    }

    @Override
    public String toString() {
        return "UdpSocket" + h;
    }
}
