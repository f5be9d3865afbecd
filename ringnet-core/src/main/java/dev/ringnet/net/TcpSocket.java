package dev.ringnet.net;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.Completer;
import dev.ringnet.backend.DetachedSocket;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpTable;
import dev.ringnet.io.IoHandler;
import dev.ringnet.io.ReceiveHandler;
import dev.ringnet.io.ResultHandler;
import dev.ringnet.loop.IoContext;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * A TCP connection on an {@link IoContext}, made by {@link #connect} or accepted by a
 * {@link TcpListener}.
 *
 * <h2>Three forms of every operation</h2>
 * <ul>
 *   <li>Callback: {@code recv(buf, handler, attachment)} returns a request id for
 *       {@link #cancel(long)} and calls the handler once on the loop thread. Call it on the loop
 *       thread; it allocates nothing.</li>
 *   <li>{@code CompletionStage}: {@code recvAsync(buf)}, from any thread. Cancelling the stage
 *       ({@code toCompletableFuture().cancel(true)}) cancels the operation.</li>
 *   <li>Blocking: {@code recv(buf)}, from a virtual thread (for example in
 *       {@link IoContext#spawn}); it parks the virtual thread, not a platform thread. An interrupt
 *       cancels the operation and throws {@link java.io.InterruptedIOException}.</li>
 * </ul>
 *
 * <h2>Buffers</h2>
 * A buffer handed to an operation belongs to ringnet from the call until the completion: do not
 * read, write or reuse it in between. recv fills it from its position up to its limit and
 * advances the position; send takes bytes from position to limit and advances the position.
 * Direct buffers avoid a copy inside the backend; heap buffers work and may be copied.
 *
 * <pre>{@code
 * TcpSocket s = TcpSocket.connect(ctx, new InetSocketAddress("localhost", 7000));   // virtual thread
 * s.sendAll(ByteBuffer.wrap("ping".getBytes()));
 * ByteBuffer in = ByteBuffer.allocateDirect(4096);
 * int n = s.recv(in);          // -1 when the peer closed
 * s.close();
 * }</pre>
 */
public final class TcpSocket implements AutoCloseable {
    private final Handle h;

    private TcpSocket(Handle h) {
        this.h = h;
    }

    // ------------------------------------------------------------------ connect

    /**
     * Connects (callback form, loop thread). The handler receives the connected socket, or the
     * error (for example {@link java.net.ConnectException} when nothing listens, or
     * {@link dev.ringnet.io.OperationTimeoutException} when {@code timeout} passed first).
     *
     * @param timeout null or zero for no deadline other than the kernel's
     * @return the request id
     */
    public static <A> long connect(IoContext ctx, SocketAddress remote, Duration timeout, SocketOptions options,
                                   ResultHandler<TcpSocket, A> handler, A attachment) {
        Loop.checkLoopThread(ctx);
        Objects.requireNonNull(handler, "handler");
        Handle h;
        try {
            h = Handle.open(ctx, SocketType.STREAM, familyOf(remote));
            try {
                options.applyToStream(h, false);
            } catch (IOException | RuntimeException e) {
                h.close();
                throw e;
            }
        } catch (IOException e) {
            return failNow(ctx, handler, attachment, e);
        }
        TcpSocket socket = new TcpSocket(h);
        OpTable ops = h.ops;
        Op op = ops.acquire(Op.CONNECT, h.live(), handler, attachment);
        op.address = remote;
        op.timeoutNanos = timeoutNanos(timeout);
        ops.delivery(op, CONNECTED, socket);
        return ops.submit(op);
    }

    /** Connects with default options and no deadline (callback form). */
    public static <A> long connect(IoContext ctx, SocketAddress remote, ResultHandler<TcpSocket, A> handler, A attachment) {
        return connect(ctx, remote, null, SocketOptions.defaults(), handler, attachment);
    }

    /** Connects ({@code CompletionStage} form, any thread). */
    public static CompletionStage<TcpSocket> connectAsync(IoContext ctx, SocketAddress remote, Duration timeout,
                                                          SocketOptions options) {
        return Loop.submit(ctx, new OpFuture<TcpSocket>(ctx), f -> connect(ctx, remote, timeout, options, f, null));
    }

    /** Connects with default options and no deadline ({@code CompletionStage} form). */
    public static CompletionStage<TcpSocket> connectAsync(IoContext ctx, SocketAddress remote) {
        return connectAsync(ctx, remote, null, SocketOptions.defaults());
    }

    /** Connects (blocking form, virtual thread). */
    public static TcpSocket connect(IoContext ctx, SocketAddress remote, Duration timeout, SocketOptions options)
            throws IOException {
        Loop.checkMayBlock(ctx);
        return Loop.await(ctx, connectAsync(ctx, remote, timeout, options));
    }

    /** Connects with default options and no deadline (blocking form). */
    public static TcpSocket connect(IoContext ctx, SocketAddress remote) throws IOException {
        return connect(ctx, remote, (Duration) null, SocketOptions.defaults());
    }

    /** Connects with a deadline (blocking form). */
    public static TcpSocket connect(IoContext ctx, SocketAddress remote, Duration timeout) throws IOException {
        return connect(ctx, remote, timeout, SocketOptions.defaults());
    }

    static TcpSocket accepted(IoContext ctx, int handle) {
        return new TcpSocket(Handle.adopt(ctx, handle));
    }

    Handle handle() {
        return h;
    }

    /** Delivers a CONNECT: the socket on success; on failure the socket is closed first. */
    @SuppressWarnings("unchecked")
    private static final Completer CONNECTED = (owner, result, address, error, handler, attachment) -> {
        TcpSocket socket = (TcpSocket) owner;
        if (error != null) {
            socket.h.close();
            ((ResultHandler<TcpSocket, Object>) handler).onComplete(null, error, attachment);
        } else {
            ((ResultHandler<TcpSocket, Object>) handler).onComplete(socket, null, attachment);
        }
    };

    static ProtocolFamily familyOf(SocketAddress address) {
        if (address instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return isa.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static <A> long failNow(IoContext ctx, ResultHandler<TcpSocket, A> handler, A attachment, IOException e) {
        // Deliver on a later turn of the loop, like every completion, never inside the call.
        ctx.post(() -> handler.onComplete(null, e, attachment));
        return 0;
    }

    /** A deadline as the nanoseconds an op carries: 0 (none) for null, zero or negative. */
    static long timeoutNanos(Duration timeout) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    // ------------------------------------------------------------------ recv

    /** Receives into {@code dst} (callback form). Result: bytes read, or -1 at end of stream. */
    public <A> long recv(ByteBuffer dst, IoHandler<A> handler, A attachment) {
        return submit(Op.RECV, dst, handler, attachment);
    }

    /**
     * Receives into {@code dst} with a deadline (callback form): if nothing arrives within
     * {@code timeout}, the handler gets {@link dev.ringnet.io.OperationTimeoutException} (on io_uring
     * through a linked timeout in the kernel, elsewhere a loop timer). The socket stays usable.
     */
    public <A> long recv(ByteBuffer dst, Duration timeout, IoHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(dst, "buffer");
        Objects.requireNonNull(handler, "handler");
        OpTable ops = h.ops;
        Op op = ops.acquire(Op.RECV, h.live(), handler, attachment);
        op.buffer = dst;
        op.timeoutNanos = timeoutNanos(timeout);
        return ops.submit(op);
    }

    /** Receives into {@code dst} with a deadline ({@code CompletionStage} form). */
    public CompletionStage<Integer> recvAsync(ByteBuffer dst, Duration timeout) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> recv(dst, timeout, f, null));
    }

    /** Receives into {@code dst} with a deadline (blocking form). */
    public int recv(ByteBuffer dst, Duration timeout) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, recvAsync(dst, timeout));
    }

    /** Receives into {@code dst} ({@code CompletionStage} form). */
    public CompletionStage<Integer> recvAsync(ByteBuffer dst) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> recv(dst, f, null));
    }

    /** Receives into {@code dst} (blocking form). Returns bytes read, or -1 at end of stream. */
    public int recv(ByteBuffer dst) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, recvAsync(dst));
    }

    /**
     * Receives until the peer closes, an error, or a cancel (multishot; callback form, loop thread).
     * The handler gets each chunk in a buffer the loop lends for the duration of the call — on
     * io_uring a buffer from the loop's provided-buffer ring, so a connection waiting for data holds
     * no buffer of its own — and a last call with {@code data == null}. See {@link ReceiveHandler}.
     *
     * @return the request id, for {@link #cancel(long)}
     */
    public <A> long recvMany(ReceiveHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(handler, "handler");
        OpTable ops = h.ops;
        return ops.submit(ops.acquire(Op.RECV_MULTI, h.live(), handler, attachment));
    }

    // ------------------------------------------------------------------ send

    /**
     * Sends what the kernel takes now from {@code src} (callback form): the result may be less than
     * {@code src.remaining()} (a partial send); see {@link #sendAll} to send everything.
     */
    public <A> long send(ByteBuffer src, IoHandler<A> handler, A attachment) {
        return submit(Op.SEND, src, handler, attachment);
    }

    /** Sends, possibly partially ({@code CompletionStage} form). */
    public CompletionStage<Integer> sendAsync(ByteBuffer src) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> send(src, f, null));
    }

    /** Sends, possibly partially (blocking form). Returns the bytes sent. */
    public int send(ByteBuffer src) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, sendAsync(src));
    }

    /**
     * Sends without copying the bytes into the kernel where the backend can (io_uring's
     * {@code SEND_ZC}; elsewhere a plain send): the NIC reads them from {@code src} directly. The
     * handler runs only once the kernel no longer needs the buffer, so reusing {@code src} in the
     * handler is safe. Worth it for large buffers (tens of KiB and up); may be partial like
     * {@link #send}. Callback form, loop thread. Use a direct buffer: a heap buffer is copied anyway.
     */
    public <A> long sendZeroCopy(ByteBuffer src, IoHandler<A> handler, A attachment) {
        return submit(Op.SEND_ZC, src, handler, attachment);
    }

    /** Zero-copy send ({@code CompletionStage} form); see {@link #sendZeroCopy(ByteBuffer, IoHandler, Object)}. */
    public CompletionStage<Integer> sendZeroCopyAsync(ByteBuffer src) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> sendZeroCopy(src, f, null));
    }

    /**
     * Sends every remaining byte of {@code src}, over as many writes as it takes (callback form);
     * the result is the total. On error some bytes may have been sent: {@code src.position()}
     * says how many.
     */
    public <A> long sendAll(ByteBuffer src, IoHandler<A> handler, A attachment) {
        return submit(Op.SEND_ALL, src, handler, attachment);
    }

    /** Sends every remaining byte ({@code CompletionStage} form). */
    public CompletionStage<Integer> sendAllAsync(ByteBuffer src) {
        return Loop.submit(h.ctx, new OpFuture<Integer>(h.ctx), f -> sendAll(src, f, null));
    }

    /** Sends every remaining byte (blocking form). */
    public int sendAll(ByteBuffer src) throws IOException {
        Loop.checkMayBlock(h.ctx);
        return Loop.await(h.ctx, sendAllAsync(src));
    }

    private <A> long submit(byte kind, ByteBuffer buffer, IoHandler<A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(buffer, "buffer");
        Objects.requireNonNull(handler, "handler");
        OpTable ops = h.ops;
        Op op = ops.acquire(kind, h.live(), handler, attachment);
        op.buffer = buffer;
        return ops.submit(op);
    }

    // ------------------------------------------------------------------ moving between loops

    /**
     * Moves this connection to another loop (of the same backend kind), for example from an
     * acceptor loop to a worker. Call it on this socket's loop thread with no operation pending;
     * this object is closed for use at once, and {@code handler} runs on {@code target}'s loop thread
     * with the connection's new {@code TcpSocket} there — or with the error if {@code target} could
     * not take it (the connection is then closed).
     */
    public <A> void handOff(IoContext target, ResultHandler<TcpSocket, A> handler, A attachment) {
        Loop.checkLoopThread(h.ctx);
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(handler, "handler");
        if (target == h.ctx) {
            handler.onComplete(this, null, attachment);
            return;
        }
        DetachedSocket moving;
        try {
            moving = h.detach();
        } catch (IOException e) {
            h.ctx.post(() -> handler.onComplete(null, e, attachment));
            return;
        }
        try {
            target.post(() -> {
                TcpSocket arrived;
                try {
                    arrived = new TcpSocket(Handle.adopt(target, target.backend().adopt(moving)));
                } catch (IOException | RuntimeException e) {
                    moving.closeQuietly();
                    handler.onComplete(null, e instanceof IOException io ? io : new IOException(e), attachment);
                    return;
                }
                handler.onComplete(arrived, null, attachment);
            });
        } catch (RejectedExecutionException closed) {
            moving.closeQuietly(); // the target loop is closed: nobody can own the connection
        }
    }

    // ------------------------------------------------------------------ control

    /**
     * Cancels one of this socket's operations by request id; same as {@link IoContext#cancel(long)}.
     */
    public boolean cancel(long requestId) {
        return h.ctx.cancel(requestId);
    }

    /** Half-closes: sends FIN after the queued data; receiving goes on until the peer closes. */
    public void shutdownOutput() throws IOException {
        Loop.call(h.ctx, () -> {
            h.backend.shutdownOutput(h.live());
            return null;
        });
    }

    /** Sets a socket option (for example {@link java.net.StandardSocketOptions#TCP_NODELAY}). */
    public <T> TcpSocket setOption(SocketOption<T> option, T value) throws IOException {
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

    /** The local address. */
    public InetSocketAddress localAddress() throws IOException {
        return Loop.call(h.ctx, h::localAddress);
    }

    /** The peer's address. */
    public InetSocketAddress remoteAddress() throws IOException {
        return Loop.call(h.ctx, h::remoteAddress);
    }

    /** The loop this socket belongs to. */
    public IoContext context() {
        return h.ctx;
    }

    /** False after {@link #close()}. */
    public boolean isOpen() {
        return h.isOpen();
    }

    /**
     * Closes the connection. Pending operations complete with
     * {@link dev.ringnet.io.OperationCancelledException}. Idempotent; safe from any thread.
     */
    @Override
    public void close() {
        h.closeFromAnyThread();
    }

    @Override
    public String toString() {
        return "TcpSocket" + h;
    }
}
