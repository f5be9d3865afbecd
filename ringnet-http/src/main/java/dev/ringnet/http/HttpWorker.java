package dev.ringnet.http;

import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpSocket;
import dev.ringnet.time.Timeout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One {@link HttpServer}'s state on one event loop, confined to that loop's thread: the date
 * cache and encoder, a pool of I/O buffers, the list of open connections, and the connections'
 * deadlines.
 *
 * <h2>Deadlines without a timer per request</h2>
 * Each kind of deadline (header, body, idle, linger) has one fixed duration, so a FIFO list per
 * kind is already sorted by deadline: arming a connection's deadline moves it to the tail of its
 * list (O(1), no allocation). One loop timer, set for the earliest head among the lists, expires
 * the connections that are due and re-arms itself; while connections stay busy it fires about once
 * per timeout period.
 */
final class HttpWorker {
    static final int T_NONE = 0;
    static final int T_HEADER = 1;
    static final int T_BODY = 2;
    static final int T_IDLE = 3;
    static final int T_LINGER = 4;
    private static final int KINDS = 5;

    /** Size of a pooled buffer: the output segment and the receive tail. */
    static final int SEGMENT = 16 * 1024;
    private static final int MAX_POOLED = 256;

    final HttpServer server;
    final IoContext loop;
    final RouteTable routes;
    final HttpDate date = new HttpDate();
    final HttpResponseEncoder encoder;
    final long[] timeoutNanos = new long[KINDS];
    /** Scratch for path parameter bounds while matching (loop thread only). */
    final int[] bounds;

    private final ArrayDeque<ByteBuffer> pool = new ArrayDeque<>();
    private final HttpConnection[] heads = new HttpConnection[KINDS];
    private final HttpConnection[] tails = new HttpConnection[KINDS];
    private final Runnable sweepTask = this::sweep;
    private Timeout sweep;
    private long sweepAt = Long.MAX_VALUE;

    private HttpConnection first;
    private volatile int open;
    boolean draining;
    boolean closed;

    HttpWorker(HttpServer server, IoContext loop, RouteTable routes) {
        this.server = server;
        this.loop = loop;
        this.routes = routes;
        this.encoder = new HttpResponseEncoder(server.serverName(), date);
        this.bounds = new int[2 * Math.max(1, routes.maxParams)];
        timeoutNanos[T_HEADER] = server.headerTimeout().toNanos();
        timeoutNanos[T_BODY] = server.bodyTimeout().toNanos();
        timeoutNanos[T_IDLE] = server.idleTimeout().toNanos();
        timeoutNanos[T_LINGER] = server.lingerTimeout().toNanos();
    }

    /** Open connections on this loop (any thread; a snapshot). */
    int openConnections() {
        return open;
    }

    // ------------------------------------------------------------------ connections

    /** Loop thread: a new connection from the server context. */
    void accept(TcpSocket socket) {
        if (closed || draining) {
            socket.close();
            return;
        }
        HttpConnection c = new HttpConnection(this, socket);
        c.nextConn = first;
        if (first != null) {
            first.prevConn = c;
        }
        first = c;
        open++;
        try {
            c.start();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Loop thread: a connection closed. */
    void removed(HttpConnection c) {
        if (c.prevConn != null) {
            c.prevConn.nextConn = c.nextConn;
        } else if (first == c) {
            first = c.nextConn;
        }
        if (c.nextConn != null) {
            c.nextConn.prevConn = c.prevConn;
        }
        c.prevConn = c.nextConn = null;
        clearTimer(c);
        open--;
    }

    /** Loop thread: the server context is shutting down. */
    void drain() {
        draining = true;
        for (HttpConnection c = first; c != null; ) {
            HttpConnection next = c.nextConn;
            c.drain();
            c = next;
        }
    }

    /** Loop thread: closes every connection now. */
    void closeAll() {
        closed = true;
        for (HttpConnection c = first; c != null; ) {
            HttpConnection next = c.nextConn;
            c.close();
            c = next;
        }
        if (sweep != null) {
            sweep.cancel();
            sweep = null;
            sweepAt = Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------ buffers

    /** A cleared direct buffer of {@link #SEGMENT} bytes. */
    ByteBuffer acquire() {
        ByteBuffer b = pool.poll();
        return b != null ? b : ByteBuffer.allocateDirect(SEGMENT);
    }

    /** A cleared buffer of at least {@code size} bytes. */
    ByteBuffer acquire(int size) {
        return size <= SEGMENT ? acquire() : ByteBuffer.allocateDirect(size);
    }

    /** Wall clock read once per receive batch, for the Date of the responses it produces. */
    long nowMillis = System.currentTimeMillis();
    private ByteBuffer scratch = ByteBuffer.allocate(SEGMENT);
    private final ArrayDeque<ByteBuffer> tailPool = new ArrayDeque<>();

    ByteBuffer scratch(int size) {
        if (scratch.capacity() < size) {
            scratch = ByteBuffer.allocate(Math.max(size, 2 * scratch.capacity()));
        }
        return scratch;
    }

    ByteBuffer acquireTail(int size) {
        if (size <= SEGMENT) {
            ByteBuffer b = tailPool.poll();
            return b != null ? b : ByteBuffer.allocate(SEGMENT);
        }
        return ByteBuffer.allocate(size);
    }

    void releaseTail(ByteBuffer b) {
        if (b.capacity() == SEGMENT && tailPool.size() < MAX_POOLED) {
            b.clear();
            tailPool.push(b);
        }
    }

    /** Returns a buffer; only pool-sized direct ones are kept. */
    void release(ByteBuffer b) {
        if (b != null && b.isDirect() && b.capacity() == SEGMENT && pool.size() < MAX_POOLED) {
            b.clear();
            pool.push(b);
        }
    }

    // ------------------------------------------------------------------ deadlines

    /** Arms {@code c}'s deadline of {@code kind} at now + that kind's timeout, moving it to its list's tail. */
    void setTimer(HttpConnection c, int kind, long now) {
        unlink(c);
        long deadline = now + timeoutNanos[kind];
        c.timerKind = kind;
        c.deadline = deadline;
        HttpConnection t = tails[kind];
        c.timerPrev = t;
        c.timerNext = null;
        if (t == null) {
            heads[kind] = c;
        } else {
            t.timerNext = c;
        }
        tails[kind] = c;
        if (deadline - sweepAt < 0 || sweepAt == Long.MAX_VALUE) {
            armSweep(deadline, now);
        }
    }

    void clearTimer(HttpConnection c) {
        unlink(c);
        c.timerKind = T_NONE;
    }

    private void unlink(HttpConnection c) {
        int kind = c.timerKind;
        if (kind == T_NONE) {
            return;
        }
        if (c.timerPrev != null) {
            c.timerPrev.timerNext = c.timerNext;
        } else {
            heads[kind] = c.timerNext;
        }
        if (c.timerNext != null) {
            c.timerNext.timerPrev = c.timerPrev;
        } else {
            tails[kind] = c.timerPrev;
        }
        c.timerPrev = c.timerNext = null;
        c.timerKind = T_NONE;
    }

    private void armSweep(long at, long now) {
        if (sweep != null) {
            sweep.cancel();
        }
        sweepAt = at;
        sweep = loop.schedule(Duration.ofNanos(Math.max(0, at - now)), sweepTask);
    }

    private void sweep() {
        sweep = null;
        sweepAt = Long.MAX_VALUE;
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        for (int kind = 1; kind < KINDS; kind++) {
            for (HttpConnection c = heads[kind]; c != null && c.deadline - now <= 0; c = heads[kind]) {
                unlink(c);
                try {
                    c.onTimeout(kind);
                } catch (RuntimeException e) {
                    HttpServer.LOG.log(System.Logger.Level.WARNING, "timeout handling failed", e);
                    c.close();
                }
            }
        }
        long next = Long.MAX_VALUE;
        for (int kind = 1; kind < KINDS; kind++) {
            HttpConnection h = heads[kind];
            if (h != null && (next == Long.MAX_VALUE || h.deadline - next < 0)) {
                next = h.deadline;
            }
        }
        if (next != Long.MAX_VALUE && (sweep == null || next - sweepAt < 0)) {
            armSweep(next, now); // a timeout handled above may have armed a later sweep
        }
    }
}
