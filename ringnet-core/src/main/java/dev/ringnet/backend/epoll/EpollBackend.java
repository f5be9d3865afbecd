package dev.ringnet.backend.epoll;

import static dev.ringnet.backend.linux.LinuxConstants.EPOLLERR;
import static dev.ringnet.backend.linux.LinuxConstants.EPOLLET;
import static dev.ringnet.backend.linux.LinuxConstants.EPOLLHUP;
import static dev.ringnet.backend.linux.LinuxConstants.EPOLLIN;
import static dev.ringnet.backend.linux.LinuxConstants.EPOLLOUT;
import static dev.ringnet.backend.linux.LinuxConstants.EPOLLRDHUP;

import dev.ringnet.backend.Backend;
import dev.ringnet.backend.DetachedSocket;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpSink;
import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.LinuxConstants;
import dev.ringnet.backend.linux.SocketOptionCodes;
import dev.ringnet.backend.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Arrays;

/**
 * The Linux readiness backend: edge-triggered {@code epoll} made to look completion-based, through
 * FFM system calls on plain socket fds (handles are the fds).
 *
 * <h2>Emulating completions</h2>
 * As in the NIO backend, each op is attempted at once when its direction is known to be ready and
 * nothing is queued ahead of it; only when it would block is it queued on its socket (one FIFO per
 * direction, only the head ever attempted), and readiness then retries the queue from its head. An
 * op that finishes during {@link #submit} is parked and delivered at the start of the next
 * {@link #poll} (which then does not wait), so handlers never run inside the submitting call.
 * Cancels are parked the same way. Multishot ops (ACCEPT_MULTI, RECV_MULTI) are only queued by
 * {@code submit}: each of their results is a delivery, served by polls.
 *
 * <h2>Edges</h2>
 * Every socket is registered once, when it is opened or accepted, for
 * {@code EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET} with its fd as the event data, and never
 * modified: there is no interest bookkeeping and no {@code epoll_ctl} on the hot path. The socket
 * remembers each direction's readiness ({@link EpollSocket}): set by an event, cleared only by an
 * attempt that met {@code EAGAIN}. Since the kernel queues an edge for every change after that
 * {@code EAGAIN}, no readiness is ever lost, and a socket known ready is served without waiting.
 *
 * <h2>Fairness</h2>
 * A visit to a socket serves each direction's queue until it is empty or would block, but at most
 * {@value #OPS_PER_VISIT} results or {@value #BYTES_PER_VISIT} bytes per direction (a SEND_ALL also
 * writes at most that much per attempt). A socket stopped by the budget with work left goes on the
 * revisit list; the next poll serves that list first and then does not wait in {@code epoll_wait},
 * so a busy peer cannot starve the others nor stall its own ops.
 *
 * <h2>Memory and threads</h2>
 * Native memory (the event array, the bounce chunk for heap buffers, socket address scratch) comes
 * from one shared arena, as the loop may be created on one thread and run on another; the backend
 * owns it and frees it in {@link #close()}. Per socket, one {@link EpollSocket} is allocated when it
 * opens; the hot path (submit, poll, recv/send on direct or array-backed buffers) allocates nothing
 * once compiled. Every method but {@link #wakeup()} runs on the loop thread.
 */
public final class EpollBackend implements Backend {
    /** Most results one direction of one socket delivers per visit. */
    static final int OPS_PER_VISIT = 32;
    /** Most bytes one direction of one socket moves per visit (and one SEND_ALL attempt writes). */
    static final int BYTES_PER_VISIT = 256 * 1024;

    private static final int MAX_EVENTS = 256;
    private static final int REGISTRATION = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    private static final int READ_EVENTS = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
    private static final int WRITE_EVENTS = EPOLLOUT | EPOLLHUP | EPOLLERR;
    private static final int DEFAULT_BACKLOG = 50;
    private static final int RECEIVE_BUFFER_SIZE = 64 * 1024;

    /** Attempt results that are not results: the op would block / ran out of budget / gave a multishot result. */
    private static final int WOULD_BLOCK = Integer.MIN_VALUE;
    private static final int YIELD = Integer.MIN_VALUE + 1;
    private static final int MORE = Integer.MIN_VALUE + 2;

    /** {@link Op#backendFlags}: connect(2) was called. */
    private static final int CONNECT_STARTED = 1;
    /** {@link Op#backendFlags}: parked to be delivered as cancelled. */
    private static final int PARKED_CANCELLED = 2;

    private final OpSink sink;
    private final Syscalls sys;
    private final Arena arena;
    private final int epollFd;
    private final int eventFd;
    private final MemorySegment events;
    private final BufferIo io;
    /** Lent to RECV_MULTI handlers for the duration of one call. */
    private final ByteBuffer lent;

    private EpollSocket[] sockets = new EpollSocket[1024];
    private int open;
    private final OpQueue parked = new OpQueue();
    private EpollSocket revisitHead;
    private EpollSocket revisitTail;
    /** Deliveries of the poll in progress. */
    private int delivered;
    /** Polls so far: a socket is served at most once per poll, so its budget holds. */
    private int polls;
    /** Bytes moved by the latest attempt (for the byte budget). */
    private int moved;

    private final Object wakeLock = new Object();
    private boolean closing;
    private volatile boolean closed;

    /** Creates the epoll set and its wake-up eventfd; completions go to {@code sink}. */
    public EpollBackend(OpSink sink) throws IOException {
        this.sink = sink;
        Syscalls s;
        try {
            s = Syscalls.open();
        } catch (UnsupportedOperationException e) {
            throw new IOException("epoll backend unavailable: " + e.getMessage(), e);
        }
        this.sys = s;
        Arena a = Arena.ofShared();
        int ep = -1;
        int efd = -1;
        try {
            ep = sys.epollCreate1(LinuxConstants.EPOLL_CLOEXEC);
            if (ep < 0) {
                throw Errno.toException(-ep, "epoll_create1");
            }
            efd = sys.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
            if (efd < 0) {
                throw Errno.toException(-efd, "eventfd");
            }
            int r = sys.epollCtl(ep, LinuxConstants.EPOLL_CTL_ADD, efd, EPOLLIN, efd); // level-triggered: read to reset
            if (r < 0) {
                throw Errno.toException(-r, "epoll_ctl");
            }
            this.events = a.allocate(LinuxConstants.EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
            this.io = new BufferIo(sys, a);
            this.lent = a.allocate(RECEIVE_BUFFER_SIZE, 64).asByteBuffer();
        } catch (IOException | RuntimeException e) {
            if (efd >= 0) sys.close(efd);
            if (ep >= 0) sys.close(ep);
            sys.close();
            a.close();
            throw e;
        }
        this.arena = a;
        this.epollFd = ep;
        this.eventFd = efd;
    }

    @Override
    public String name() {
        return "epoll";
    }

    // ---------------------------------------------------------------- handles

    @Override
    public int open(SocketType type, ProtocolFamily family) throws IOException {
        ensureOpen();
        boolean dual = family == null;
        int domain;
        if (family == StandardProtocolFamily.INET) {
            domain = LinuxConstants.AF_INET;
        } else if (family == StandardProtocolFamily.INET6 || dual) {
            domain = LinuxConstants.AF_INET6;
        } else {
            throw new UnsupportedOperationException("protocol family " + family + " is not supported by the epoll backend");
        }
        int sockType = (type == SocketType.DATAGRAM ? LinuxConstants.SOCK_DGRAM : LinuxConstants.SOCK_STREAM)
                | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC;
        int fd = sys.socket(domain, sockType, 0);
        if (fd == -Errno.EAFNOSUPPORT && dual) { // no IPv6 here: the default family is IPv4 then
            domain = LinuxConstants.AF_INET;
            fd = sys.socket(domain, sockType, 0);
        }
        if (fd < 0) {
            throw Errno.toException(-fd, "socket");
        }
        if (dual && domain == LinuxConstants.AF_INET6) {
            // The platform default is dual stack, as with java.nio: IPv4 peers appear as mapped addresses.
            int r = sys.setsockopt(fd, LinuxConstants.IPPROTO_IPV6, LinuxConstants.IPV6_V6ONLY, 0);
            if (r < 0) {
                sys.close(fd);
                throw Errno.toException(-r, "setsockopt IPV6_V6ONLY");
            }
        }
        int r = register(fd, type, domain == LinuxConstants.AF_INET6);
        if (r < 0) {
            sys.close(fd);
            throw Errno.toException(-r, "epoll_ctl");
        }
        return fd;
    }

    /** Adds {@code fd} to the epoll set (once, edge-triggered) and to the table: 0 or -errno. */
    private int register(int fd, SocketType type, boolean v6) {
        int r = sys.epollCtl(epollFd, LinuxConstants.EPOLL_CTL_ADD, fd, REGISTRATION, fd);
        if (r < 0) {
            return r;
        }
        if (fd >= sockets.length) {
            sockets = Arrays.copyOf(sockets, Math.max(fd + 1, sockets.length * 2));
        }
        sockets[fd] = new EpollSocket(fd, type, v6);
        open++;
        return 0;
    }

    private EpollSocket lookup(int handle) {
        EpollSocket[] table = sockets;
        return handle >= 0 && handle < table.length ? table[handle] : null;
    }

    private EpollSocket socket(int handle) throws ClosedChannelException {
        EpollSocket s = lookup(handle);
        if (s == null) {
            throw new ClosedChannelException();
        }
        return s;
    }

    @Override
    public void bind(int handle, SocketAddress local, int backlog) throws IOException {
        EpollSocket s = socket(handle);
        InetSocketAddress address = local == null ? wildcard(s) : inet(local);
        int r = sys.bind(s.fd, address, s.family());
        if (r < 0) {
            throw Errno.toException(-r, "bind " + address);
        }
        if (s.type == SocketType.LISTENER) {
            r = sys.listen(s.fd, backlog < 1 ? DEFAULT_BACKLOG : backlog);
            if (r < 0) {
                throw Errno.toException(-r, "listen");
            }
        }
    }

    private static InetSocketAddress wildcard(EpollSocket s) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[s.v6 ? 16 : 4]), 0);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static InetSocketAddress inet(SocketAddress address) {
        if (address instanceof InetSocketAddress isa) {
            return isa;
        }
        throw new UnsupportedAddressTypeException();
    }

    @Override
    public void connectDatagram(int handle, SocketAddress remote) throws IOException {
        EpollSocket s = socket(handle);
        InetSocketAddress address = inet(remote);
        int r = sys.connect(s.fd, address, s.family());
        if (r < 0) {
            throw Errno.toException(-r, "connect " + address);
        }
    }

    @Override
    public <T> void setOption(int handle, SocketOption<T> option, T value) throws IOException {
        EpollSocket s = socket(handle);
        int r = SocketOptionCodes.set(sys, s.fd, s.v6, option, value);
        if (r < 0) {
            throw Errno.toException(-r, "setsockopt " + option.name());
        }
    }

    @Override
    public <T> T getOption(int handle, SocketOption<T> option) throws IOException {
        EpollSocket s = socket(handle);
        return SocketOptionCodes.get(sys, s.fd, s.v6, option);
    }

    @Override
    public InetSocketAddress localAddress(int handle) throws IOException {
        return sys.getsockname(socket(handle).fd);
    }

    @Override
    public InetSocketAddress remoteAddress(int handle) throws IOException {
        return sys.getpeername(socket(handle).fd);
    }

    @Override
    public DetachedSocket detach(int handle) throws IOException {
        EpollSocket s = socket(handle);
        if (!s.reads.isEmpty() || !s.writes.isEmpty()) {
            throw new IllegalStateException("cannot detach a socket with pending operations");
        }
        s.closed = true;
        sockets[handle] = null;
        open--;
        sys.epollCtl(epollFd, LinuxConstants.EPOLL_CTL_DEL, s.fd, 0, 0);
        io.forget(s.fd);
        return new DetachedSocket(name(), s.fd, s.v6, null);
    }

    @Override
    public int adopt(DetachedSocket socket) throws IOException {
        ensureOpen();
        if (!name().equals(socket.backend()) || socket.fd() < 0) {
            throw new IllegalArgumentException("an epoll backend cannot adopt a socket from " + socket.backend());
        }
        int r = register(socket.fd(), SocketType.STREAM, socket.ipv6());
        if (r < 0) {
            throw Errno.toException(-r, "epoll_ctl");
        }
        return socket.fd();
    }

    @Override
    public void shutdownOutput(int handle) throws IOException {
        EpollSocket s = socket(handle);
        if (s.type != SocketType.STREAM) {
            throw new UnsupportedOperationException("shutdownOutput needs a TCP stream socket");
        }
        int r = sys.shutdown(s.fd, LinuxConstants.SHUT_WR);
        if (r < 0) {
            throw Errno.toException(-r, "shutdown");
        }
    }

    @Override
    public void close(int handle) {
        EpollSocket s = lookup(handle);
        if (s == null) {
            return;
        }
        s.closed = true;
        sockets[handle] = null;
        open--;
        // Explicitly, in case another process briefly shares the file (a fork before exec): the
        // registration would otherwise outlive this close under a number a new socket may reuse.
        sys.epollCtl(epollFd, LinuxConstants.EPOLL_CTL_DEL, s.fd, 0, 0);
        io.forget(s.fd);
        sys.close(s.fd);
        abort(s.reads, "socket closed");
        abort(s.writes, "socket closed");
    }

    private void abort(OpQueue queue, String why) {
        for (Op op = queue.pop(); op != null; op = queue.pop()) {
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
        if (closing) { // only while or after closing: nothing will poll again
            sink.aborted(op, "event loop closed");
            return;
        }
        EpollSocket s = lookup(op.handle);
        if (s == null) {
            if (sink.tryStart(op)) {
                park(op, -1, new ClosedChannelException());
            } else {
                parkCancelled(op);
            }
            return;
        }
        boolean read = op.isReadSide();
        OpQueue queue = s.queue(read);
        if (queue.isEmpty() && !op.isMultishot()
                && (s.ready(read) || (op.kind == Op.CONNECT && (op.backendFlags & CONNECT_STARTED) == 0))) {
            if (!sink.tryStart(op)) { // a cancel from another thread won before the first attempt
                parkCancelled(op);
                return;
            }
            int result;
            try {
                result = attempt(s, op, BYTES_PER_VISIT);
            } catch (IOException | RuntimeException e) {
                park(op, -1, asIOException(e));
                return;
            }
            if (result != WOULD_BLOCK && result != YIELD) {
                park(op, result, null);
                return;
            }
            sink.park(op);
        }
        queue.append(op);
        if (s.ready(read)) { // a multishot op, or a SEND_ALL out of budget: the next poll serves it
            scheduleRevisit(s);
        }
    }

    /** Keeps an op finished during submit (or cancel) for delivery at the next poll. */
    private void park(Op op, int result, IOException error) {
        op.parkedResult = result;
        op.parkedError = error;
        parked.append(op);
    }

    private void parkCancelled(Op op) {
        op.backendFlags |= PARKED_CANCELLED;
        park(op, -1, null);
    }

    @Override
    public void cancel(Op op) {
        EpollSocket s = lookup(op.handle);
        if (s != null && s.queue(op.isReadSide()).unlink(op)) {
            // Delivered at the next poll, not inside the cancel call (which may come from a handler).
            parkCancelled(op);
        }
        // Otherwise it is parked with a result (delivered as is) or already delivered.
    }

    private void scheduleRevisit(EpollSocket s) {
        if (s.revisit) {
            return;
        }
        s.revisit = true;
        s.nextRevisit = null;
        if (revisitTail == null) {
            revisitHead = s;
        } else {
            revisitTail.nextRevisit = s;
        }
        revisitTail = s;
    }

    /**
     * Performs the op's I/O once. Returns its result (bytes, a handle, 0 for a connect, -1 at end of
     * stream), or WOULD_BLOCK after clearing the direction's readiness, or YIELD when a SEND_ALL
     * wrote {@code byteBudget} bytes and has more. Sets {@link #moved}.
     */
    private int attempt(EpollSocket s, Op op, int byteBudget) throws IOException {
        moved = 0;
        ByteBuffer buf = op.buffer;
        switch (op.kind) {
            case Op.RECV: {
                boolean asked = buf.hasRemaining();
                if (!asked && s.type == SocketType.STREAM) {
                    return 0; // Linux answers EAGAIN to an empty stream read while no data is there
                }
                long n = io.recv(s.fd, buf);
                if (n < 0) {
                    return readFailed(s, n, "recv");
                }
                moved = (int) n;
                return n == 0 && asked && s.type == SocketType.STREAM ? -1 : (int) n;
            }
            case Op.SEND:
            case Op.SEND_ZC: { // no zero-copy here: the kernel copies, so completing at once is exact
                long n = io.send(s.fd, buf, Integer.MAX_VALUE);
                if (n < 0) {
                    return writeFailed(s, n, "send");
                }
                moved = (int) n;
                return (int) n;
            }
            case Op.SEND_ALL: {
                int budget = byteBudget;
                while (buf.hasRemaining()) {
                    if (budget <= 0) {
                        return YIELD;
                    }
                    long n = io.send(s.fd, buf, budget);
                    if (n < 0) {
                        return writeFailed(s, n, "send");
                    }
                    if (n == 0) {
                        return YIELD; // not seen on a stream; retried next poll rather than spinning
                    }
                    op.progress += (int) n;
                    moved += (int) n;
                    budget -= (int) n;
                }
                return op.progress;
            }
            case Op.ACCEPT:
                return acceptOne(s);
            case Op.CONNECT:
                return connect(s, op);
            case Op.RECV_FROM: {
                long n = io.recvFrom(s.fd, buf);
                if (n < 0) {
                    return readFailed(s, n, "recvfrom");
                }
                op.address = io.sender();
                moved = (int) n;
                return (int) n;
            }
            case Op.SEND_TO: {
                long n = io.sendTo(s.fd, buf, inet(op.address), s.family());
                if (n < 0) {
                    return writeFailed(s, n, "sendto");
                }
                moved = (int) n;
                return (int) n;
            }
            default:
                throw new IllegalArgumentException("unknown op kind " + op.kind);
        }
    }

    private static int readFailed(EpollSocket s, long res, String what) throws IOException {
        if (res == -Errno.EAGAIN) {
            s.readable = false;
            return WOULD_BLOCK;
        }
        throw Errno.toException((int) -res, what);
    }

    private static int writeFailed(EpollSocket s, long res, String what) throws IOException {
        if (res == -Errno.EAGAIN) {
            s.writable = false;
            return WOULD_BLOCK;
        }
        throw Errno.toException((int) -res, what);
    }

    /** Accepts one connection and registers it: its handle, or WOULD_BLOCK. */
    private int acceptOne(EpollSocket s) throws IOException {
        for (;;) {
            int fd = sys.accept4(s.fd, LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC);
            if (fd >= 0) {
                int r = register(fd, SocketType.STREAM, s.v6);
                if (r < 0) {
                    sys.close(fd);
                    throw Errno.toException(-r, "epoll_ctl of an accepted connection");
                }
                return fd;
            }
            if (fd == -Errno.ECONNABORTED || fd == -Errno.EINTR) {
                continue; // that connection is gone; the next may be there
            }
            return readFailed(s, fd, "accept");
        }
    }

    /**
     * A non-blocking connect: started once ({@code EINPROGRESS} then waits for writability), then
     * finished when the socket is reported writable: {@code SO_ERROR} says whether it failed, and a
     * peer name whether it is really established (not merely a stale readiness flag).
     */
    private int connect(EpollSocket s, Op op) throws IOException {
        InetSocketAddress target = inet(op.address);
        if ((op.backendFlags & CONNECT_STARTED) == 0) {
            op.backendFlags |= CONNECT_STARTED;
            int r = sys.connect(s.fd, target, s.family());
            if (r == 0) {
                return 0;
            }
            if (r == -Errno.EINPROGRESS || r == -Errno.EINTR) {
                s.writable = false; // the connect's outcome is the next write-side edge
                return WOULD_BLOCK;
            }
            throw Errno.toException(-r, "connect " + target);
        }
        int error = sys.getsockoptInt(s.fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_ERROR);
        if (error < 0) {
            throw Errno.toException(-error, "getsockopt SO_ERROR");
        }
        if (error > 0) {
            throw Errno.toException(error, "connect " + target);
        }
        if (sys.getpeername(s.fd) == null) {
            s.writable = false; // still in progress
            return WOULD_BLOCK;
        }
        return 0;
    }

    /**
     * One step of a multishot op: delivers one result through {@link OpSink#more} or
     * {@link OpSink#received} and returns MORE, or returns WOULD_BLOCK, or the final result (-1 at
     * end of stream) for the caller to complete the op with.
     */
    private int attemptMultishot(EpollSocket s, Op op) throws IOException {
        moved = 0;
        if (op.kind == Op.ACCEPT_MULTI) {
            int fd = acceptOne(s);
            if (fd == WOULD_BLOCK) {
                return WOULD_BLOCK;
            }
            delivered++;
            sink.more(op, fd);
            return MORE;
        }
        if (op.kind != Op.RECV_MULTI) {
            throw new IllegalArgumentException("unknown multishot op kind " + op.kind);
        }
        ByteBuffer buf = lent;
        buf.clear();
        long n = io.recv(s.fd, buf);
        if (n < 0) {
            return readFailed(s, n, "recv");
        }
        if (n == 0) {
            return -1;
        }
        moved = (int) n;
        buf.flip();
        delivered++;
        sink.received(op, buf);
        return MORE;
    }

    // ---------------------------------------------------------------- polling

    @Override
    public int poll(long timeoutNanos) throws IOException {
        ensureOpen();
        delivered = 0;
        polls++;
        Op batch = parked.takeAll();
        if (batch != null) {
            deliverParked(batch);
        }
        EpollSocket again = revisitHead;
        revisitHead = revisitTail = null;
        while (again != null) {
            EpollSocket s = again;
            again = s.nextRevisit;
            s.nextRevisit = null;
            s.revisit = false;
            serve(s);
        }
        int timeoutMs = delivered > 0 || !parked.isEmpty() || revisitHead != null ? 0 : millis(timeoutNanos);
        int n = sys.epollWait(epollFd, events, MAX_EVENTS, timeoutMs);
        if (n < 0) {
            if (n == -Errno.EINTR) {
                return delivered;
            }
            throw Errno.toException(-n, "epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = (int) LinuxConstants.epollData(events, i);
            int mask = LinuxConstants.epollEvents(events, i);
            if (fd == eventFd) {
                sys.eventfdRead(eventFd); // reset; the wake-up has done its job by ending the wait
                continue;
            }
            // Null when a handler closed the socket earlier in this batch; a socket that reuses its
            // number meanwhile gets a spurious flag, which costs one EAGAIN at most.
            EpollSocket s = lookup(fd);
            if (s == null) {
                continue;
            }
            if ((mask & READ_EVENTS) != 0) {
                s.readable = true;
            }
            if ((mask & WRITE_EVENTS) != 0) {
                s.writable = true;
            }
            if (s.servedIn != polls) {
                serve(s);
            } else if ((s.readable && !s.reads.isEmpty()) || (s.writable && !s.writes.isEmpty())) {
                scheduleRevisit(s); // served by the revisit pass already: the rest waits for the next poll
            }
        }
        return delivered;
    }

    private static int millis(long nanos) {
        if (nanos < 0) {
            return -1;
        }
        return (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    private void deliverParked(Op op) {
        while (op != null) {
            Op next = op.next;
            op.next = null;
            delivered++;
            if ((op.backendFlags & PARKED_CANCELLED) != 0) {
                sink.cancelled(op);
            } else if (op.parkedError != null) {
                sink.fail(op, op.parkedError);
            } else {
                sink.complete(op, op.parkedResult);
            }
            op = next;
        }
    }

    /** Serves whatever is ready on the socket, each direction within its budget. */
    private void serve(EpollSocket s) {
        if (s.closed) {
            return;
        }
        s.servedIn = polls;
        if (s.readable && !s.reads.isEmpty()) {
            drain(s, true);
        }
        if (!s.closed && s.writable && !s.writes.isEmpty()) {
            drain(s, false);
        }
    }

    /**
     * Retries one direction's queue from its head until it is empty, an op would block, or the
     * visit's budget is spent (the socket is then revisited at the next poll).
     */
    private void drain(EpollSocket s, boolean read) {
        OpQueue queue = s.queue(read);
        int ops = 0;
        int bytes = 0;
        for (Op op = queue.head(); op != null && !s.closed && s.ready(read); op = queue.head()) {
            if (ops >= OPS_PER_VISIT || bytes >= BYTES_PER_VISIT) {
                scheduleRevisit(s);
                return;
            }
            if (!sink.tryStart(op)) { // cancelled from another thread; its cancel task finds it gone
                queue.pop();
                delivered++;
                sink.cancelled(op);
                continue;
            }
            int result;
            try {
                result = op.isMultishot() ? attemptMultishot(s, op) : attempt(s, op, BYTES_PER_VISIT - bytes);
            } catch (IOException | RuntimeException e) {
                queue.pop();
                delivered++;
                sink.fail(op, asIOException(e));
                continue;
            }
            ops++;
            bytes += moved;
            if (result == MORE) {
                continue; // the sink made it pending again; a handler may have cancelled it or closed the socket
            }
            if (result == WOULD_BLOCK) {
                sink.park(op);
                return;
            }
            if (result == YIELD) {
                sink.park(op);
                scheduleRevisit(s);
                return;
            }
            queue.pop();
            delivered++;
            sink.complete(op, result);
        }
    }

    /**
     * Unchecked exceptions (an unresolved address, a read-only buffer) must still complete the op
     * through its handler, so they become the op's IOException.
     */
    private static IOException asIOException(Exception e) {
        return e instanceof IOException io ? io : new IOException(e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }

    @Override
    public void wakeup() {
        // Serialized with close so a late wake-up never writes to an fd number reused after close.
        synchronized (wakeLock) {
            if (!closed) {
                Syscalls.eventfdSignal(eventFd);
            }
        }
    }

    // ---------------------------------------------------------------- teardown

    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        // What finished before the close is delivered as it finished; their handlers' new ops are
        // aborted by submit from here on.
        for (Op batch = parked.takeAll(); batch != null; batch = parked.takeAll()) {
            deliverParked(batch);
        }
        for (int fd = 0; fd < sockets.length; fd++) {
            if (sockets[fd] != null) {
                close(fd); // aborts its queued ops
            }
        }
        for (Op batch = parked.takeAll(); batch != null; batch = parked.takeAll()) {
            deliverParked(batch); // cancels parked by the abort handlers
        }
        revisitHead = revisitTail = null;
        synchronized (wakeLock) {
            closed = true;
            sys.close(eventFd);
        }
        sys.close(epollFd);
        sys.close();
        arena.close();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closing) {
            throw new ClosedChannelException();
        }
    }
}
