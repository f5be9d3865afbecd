package dev.ringnet.backend.nio;

import dev.ringnet.backend.Backend;
import dev.ringnet.backend.DetachedSocket;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The portable backend: {@link Selector} (epoll on Linux, kqueue on macOS, wepoll on Windows) made to
 * look completion-based. Each op is attempted at once; only when it would block is it queued on its
 * socket and the socket's interest registered; readiness then retries the queue head first.
 *
 * <p>An op that finishes during {@link #submit} is parked on a list and delivered at the start of
 * the next {@link #poll} (which then does not block), so handlers never run inside the submitting
 * call and a fast peer cannot grow the stack.
 */
public final class NioBackend implements Backend {
    /** Sentinel returned by an attempt that would block. */
    private static final int WOULD_BLOCK = Integer.MIN_VALUE;
    private static final int CONNECT_STARTED = 1;
    /** Parked because a cancel claimed the op before its first attempt. */
    private static final int PARKED_CANCELLED = 2;
    /** A multishot step delivered a result and the op goes on. */
    private static final int MORE = Integer.MIN_VALUE + 1;
    /** Multishot results per socket per readiness event, so one busy peer cannot starve the others. */
    private static final int MULTISHOT_BUDGET = 16;
    private static final int RECEIVE_BUFFER_SIZE = 64 * 1024;

    private ByteBuffer receiveBuffer;
    private final java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();

    private final OpSink sink;
    private final Selector selector;
    private final Consumer<SelectionKey> onReady = this::onReady;
    private NioSocket[] sockets = new NioSocket[64];
    private int[] freeHandles = new int[64];
    private int freeCount;
    private int nextHandle;
    private int open;
    private Op parkedHead, parkedTail;
    private int delivered;
    private boolean closed;

    /** Opens a selector; completions go to {@code sink}. */
    public NioBackend(OpSink sink) throws IOException {
        this.sink = sink;
        this.selector = Selector.open();
    }

    @Override
    public String name() {
        return "nio";
    }

    // ---------------------------------------------------------------- handles

    @Override
    public int open(SocketType type, ProtocolFamily family) throws IOException {
        ensureOpen();
        SelectableChannel ch = switch (type) {
            case STREAM -> family == null ? SocketChannel.open() : SocketChannel.open(family);
            case LISTENER -> family == null ? ServerSocketChannel.open() : ServerSocketChannel.open(family);
            case DATAGRAM -> family == null ? DatagramChannel.open() : DatagramChannel.open(family);
        };
        return adopt(type, ch);
    }

    private int adopt(SocketType type, SelectableChannel ch) throws IOException {
        try {
            ch.configureBlocking(false);
            int handle = freeCount > 0 ? freeHandles[--freeCount] : nextHandle++;
            if (handle >= sockets.length) {
                sockets = Arrays.copyOf(sockets, sockets.length * 2);
            }
            NioSocket s = new NioSocket(handle, type, ch);
            s.key = ch.register(selector, 0, s);
            sockets[handle] = s;
            open++;
            return handle;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private NioSocket socket(int handle) throws ClosedChannelException {
        NioSocket s = handle >= 0 && handle < sockets.length ? sockets[handle] : null;
        if (s == null) {
            throw new ClosedChannelException();
        }
        return s;
    }

    @Override
    public void bind(int handle, SocketAddress local, int backlog) throws IOException {
        NioSocket s = socket(handle);
        if (s.channel instanceof ServerSocketChannel server) {
            server.bind(local, backlog);
        } else {
            ((NetworkChannel) s.channel).bind(local);
        }
    }

    @Override
    public void connectDatagram(int handle, SocketAddress remote) throws IOException {
        ((DatagramChannel) socket(handle).channel).connect(remote);
    }

    @Override
    public <T> void setOption(int handle, SocketOption<T> option, T value) throws IOException {
        ((NetworkChannel) socket(handle).channel).setOption(option, value);
    }

    @Override
    public <T> T getOption(int handle, SocketOption<T> option) throws IOException {
        return ((NetworkChannel) socket(handle).channel).getOption(option);
    }

    @Override
    public InetSocketAddress localAddress(int handle) throws IOException {
        return (InetSocketAddress) ((NetworkChannel) socket(handle).channel).getLocalAddress();
    }

    @Override
    public InetSocketAddress remoteAddress(int handle) throws IOException {
        SelectableChannel ch = socket(handle).channel;
        if (ch instanceof SocketChannel sc) {
            return (InetSocketAddress) sc.getRemoteAddress();
        }
        if (ch instanceof DatagramChannel dc) {
            return (InetSocketAddress) dc.getRemoteAddress();
        }
        return null;
    }

    @Override
    public DetachedSocket detach(int handle) throws IOException {
        NioSocket s = socket(handle);
        if (s.head(true) != null || s.head(false) != null) {
            throw new IllegalStateException("cannot detach a socket with pending operations");
        }
        s.closed = true;
        sockets[handle] = null;
        s.key.cancel(); // flushed at this selector's next select; the channel may join another selector at once
        open--;
        releaseHandle(handle);
        return new DetachedSocket(name(), -1, false, s.channel);
    }

    @Override
    public int adopt(DetachedSocket socket) throws IOException {
        ensureOpen();
        if (!name().equals(socket.backend()) || socket.channel() == null) {
            throw new IllegalArgumentException("a " + name() + " backend cannot adopt a socket from " + socket.backend());
        }
        return adopt(SocketType.STREAM, socket.channel());
    }

    @Override
    public void shutdownOutput(int handle) throws IOException {
        if (!(socket(handle).channel instanceof SocketChannel sc)) {
            throw new UnsupportedOperationException("shutdownOutput needs a TCP stream socket");
        }
        sc.shutdownOutput();
    }

    @Override
    public void close(int handle) {
        NioSocket s = handle >= 0 && handle < sockets.length ? sockets[handle] : null;
        if (s == null || s.closed) {
            return;
        }
        s.closed = true;
        sockets[handle] = null;
        s.key.cancel();
        closeQuietly(s.channel);
        open--;
        releaseHandle(handle);
        abortQueue(s, true, "socket closed");
        abortQueue(s, false, "socket closed");
    }

    private void releaseHandle(int handle) {
        if (freeCount == freeHandles.length) {
            freeHandles = Arrays.copyOf(freeHandles, freeHandles.length * 2);
        }
        freeHandles[freeCount++] = handle;
    }

    private void abortQueue(NioSocket s, boolean read, String why) {
        for (Op op = s.pop(read); op != null; op = s.pop(read)) {
            sink.aborted(op, why);
        }
    }

    @Override
    public int openHandles() {
        return open;
    }

    // ---------------------------------------------------------------- operations

    @Override
    public void submit(Op op) {
        if (closed) { // only while or after closing: nothing will poll again
            sink.aborted(op, "event loop closed");
            return;
        }
        NioSocket s = handle(op);
        if (s == null) {
            park(op, -1, new ClosedChannelException());
            return;
        }
        boolean read = op.isReadSide();
        // Multishot ops are only queued here: each of their results is a delivery, and deliveries
        // never happen inside submit. The next poll finds the socket ready and serves them.
        if (s.head(read) == null && !op.isMultishot()) {
            if (!sink.tryStart(op)) { // a cancel from another thread won before the first attempt
                op.backendFlags |= PARKED_CANCELLED;
                park(op, -1, null);
                return;
            }
            int result;
            try {
                result = attempt(s, op);
            } catch (IOException | RuntimeException e) {
                park(op, -1, asIOException(e));
                return;
            }
            if (result != WOULD_BLOCK) {
                park(op, result, null);
                return;
            }
            sink.park(op);
        }
        s.append(op, read);
        updateInterest(s);
    }

    private NioSocket handle(Op op) {
        int h = op.handle;
        return h >= 0 && h < sockets.length ? sockets[h] : null;
    }

    /** Keeps an op finished during submit for delivery at the next poll. */
    private void park(Op op, int result, IOException error) {
        op.parkedResult = result;
        op.parkedError = error;
        op.next = null;
        if (parkedTail == null) parkedHead = op; else parkedTail.next = op;
        parkedTail = op;
    }

    @Override
    public void cancel(Op op) {
        NioSocket s = handle(op);
        if (s != null && s.unlink(op, op.isReadSide())) {
            updateInterest(s);
            // Delivered at the next poll, not inside the cancel call (which may come from a handler).
            op.backendFlags |= PARKED_CANCELLED;
            park(op, -1, null);
        }
        // Otherwise it is parked with a result (delivered as is) or already delivered.
    }

    /**
     * Performs the op's I/O once. Returns the result, or WOULD_BLOCK. For SEND_ALL it writes until
     * the buffer is drained or the socket is full.
     */
    private int attempt(NioSocket s, Op op) throws IOException {
        ByteBuffer buf = op.buffer;
        switch (op.kind) {
            case Op.RECV: {
                int n = s.channel instanceof SocketChannel sc ? sc.read(buf) : ((DatagramChannel) s.channel).read(buf);
                return n == 0 && buf.hasRemaining() ? WOULD_BLOCK : n;
            }
            case Op.SEND:
            case Op.SEND_ZC: { // java.nio has no zero-copy send: the kernel copies, so completing at once is exact
                int n = s.channel instanceof SocketChannel sc ? sc.write(buf) : ((DatagramChannel) s.channel).write(buf);
                return n == 0 && buf.hasRemaining() ? WOULD_BLOCK : n;
            }
            case Op.SEND_ALL: {
                SocketChannel sc = (SocketChannel) s.channel;
                while (buf.hasRemaining()) {
                    int n = sc.write(buf);
                    if (n == 0) {
                        return WOULD_BLOCK;
                    }
                    op.progress += n;
                }
                return op.progress;
            }
            case Op.ACCEPT: {
                SocketChannel accepted = ((ServerSocketChannel) s.channel).accept();
                return accepted == null ? WOULD_BLOCK : adopt(SocketType.STREAM, accepted);
            }
            case Op.CONNECT: {
                SocketChannel sc = (SocketChannel) s.channel;
                boolean done;
                if ((op.backendFlags & CONNECT_STARTED) == 0) {
                    op.backendFlags |= CONNECT_STARTED;
                    done = sc.connect(op.address);
                } else {
                    done = sc.finishConnect();
                }
                s.connecting = !done;
                return done ? 0 : WOULD_BLOCK;
            }
            case Op.RECV_FROM: {
                int before = buf.position();
                SocketAddress from = ((DatagramChannel) s.channel).receive(buf);
                if (from == null) {
                    return WOULD_BLOCK;
                }
                op.address = from;
                return buf.position() - before;
            }
            case Op.SEND_TO: {
                boolean hadData = buf.hasRemaining();
                int n = ((DatagramChannel) s.channel).send(buf, op.address);
                return n == 0 && hadData ? WOULD_BLOCK : n;
            }
            default:
                throw new IllegalArgumentException("unknown op kind " + op.kind);
        }
    }

    private void updateInterest(NioSocket s) {
        if (s.closed) {
            return;
        }
        int wanted = (s.head(true) != null ? s.readBit() : 0) | (s.head(false) != null ? s.writeBit() : 0);
        if (wanted != s.interest) {
            s.interest = wanted;
            s.key.interestOps(wanted);
        }
    }

    // ---------------------------------------------------------------- polling

    @Override
    public int poll(long timeoutNanos) throws IOException {
        ensureOpen();
        delivered = 0;
        Op batch = parkedHead;
        parkedHead = parkedTail = null;
        if (batch != null) {
            deliverParked(batch);
        }
        if (delivered > 0 || parkedHead != null || timeoutNanos == 0) {
            selector.selectNow(onReady);
        } else if (timeoutNanos < 0) {
            selector.select(onReady);
        } else {
            selector.select(onReady, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
        }
        return delivered;
    }

    private void deliverParked(Op op) {
        while (op != null) {
            Op next = op.next;
            op.next = null;
            delivered++;
            if (op.parkedError != null) {
                sink.fail(op, op.parkedError);
            } else if ((op.backendFlags & PARKED_CANCELLED) != 0) {
                sink.cancelled(op);
            } else {
                sink.complete(op, op.parkedResult);
            }
            op = next;
        }
    }

    private void onReady(SelectionKey key) {
        NioSocket s = (NioSocket) key.attachment();
        if (!key.isValid()) {
            return;
        }
        int ready = key.readyOps();
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            drain(s, true);
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0 && !s.closed) {
            drain(s, false);
        }
        updateInterest(s);
    }

    /** Retries the queue of one direction from its head until an op would block. */
    private void drain(NioSocket s, boolean read) {
        int budget = MULTISHOT_BUDGET;
        for (Op op = s.head(read); op != null && !s.closed; op = s.head(read)) {
            if (!sink.tryStart(op)) {
                s.pop(read);
                delivered++;
                sink.cancelled(op);
                continue;
            }
            int result;
            try {
                if (op.isMultishot()) {
                    result = attemptMultishot(s, op);
                    if (result == MORE) {
                        if (--budget == 0) {
                            // Fairness: a flooding peer yields to the other sockets. The op is pending
                            // again (more/received parked it) and still queued, so the level-triggered
                            // selector reports the socket again at the next poll.
                            return;
                        }
                        continue; // the op stays at the head, pending again
                    }
                } else {
                    result = attempt(s, op);
                }
            } catch (IOException | RuntimeException e) {
                s.pop(read);
                delivered++;
                sink.fail(op, asIOException(e));
                continue;
            }
            if (result == WOULD_BLOCK) {
                sink.park(op);
                return;
            }
            s.pop(read);
            delivered++;
            sink.complete(op, result);
        }
    }

    /**
     * NIO reports misuse (a recv on an unconnected UDP socket, say) with unchecked exceptions; an
     * op must still complete through its handler, so they become the op's IOException.
     */
    private static IOException asIOException(Exception e) {
        return e instanceof IOException io ? io : new IOException(e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }

    /**
     * One step of a multishot op: delivers one result through {@link OpSink#more} or
     * {@link OpSink#received} and returns {@link #MORE}, or returns WOULD_BLOCK, or returns the
     * final result (-1 at end of stream) for the caller to complete the op with.
     */
    private int attemptMultishot(NioSocket s, Op op) throws IOException {
        if (op.kind == Op.ACCEPT_MULTI) {
            SocketChannel accepted = ((ServerSocketChannel) s.channel).accept();
            if (accepted == null) {
                return WOULD_BLOCK;
            }
            delivered++;
            sink.more(op, adopt(SocketType.STREAM, accepted));
            return MORE;
        }
        ByteBuffer lent = receiveBuffer();
        lent.clear();
        int n = ((SocketChannel) s.channel).read(lent);
        if (n <= 0) {
            return n == 0 ? WOULD_BLOCK : -1;
        }
        lent.flip();
        delivered++;
        sink.received(op, lent);
        return MORE;
    }

    /**
     * The buffer lent to RECV_MULTI handlers: one per backend, as a handler returns before the next
     * read. It lives in the backend's arena, so close() frees it at once (a direct ByteBuffer would
     * wait for the garbage collector).
     */
    private ByteBuffer receiveBuffer() {
        ByteBuffer b = receiveBuffer;
        if (b == null) {
            b = arena.allocate(RECEIVE_BUFFER_SIZE, 64).asByteBuffer();
            receiveBuffer = b;
        }
        return b;
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (NioSocket s : sockets) {
            if (s != null) {
                close(s.handle);
            }
        }
        while (parkedHead != null) {
            Op batch = parkedHead;
            parkedHead = parkedTail = null;
            deliverParked(batch);
        }
        closeQuietly(selector);
        receiveBuffer = null;
        arena.close();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing is best effort: the handle is gone from our tables either way.
        }
    }
}
