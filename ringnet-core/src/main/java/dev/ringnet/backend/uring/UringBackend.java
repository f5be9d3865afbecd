package dev.ringnet.backend.uring;

import dev.ringnet.internal.Logs;
import static dev.ringnet.backend.uring.IoUringConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.ringnet.backend.Backend;
import dev.ringnet.backend.BufferAddresses;
import dev.ringnet.backend.DetachedSocket;
import dev.ringnet.backend.Op;
import dev.ringnet.backend.OpSink;
import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.LinuxConstants;
import dev.ringnet.backend.linux.SockAddr;
import dev.ringnet.backend.linux.SocketOptionCodes;
import dev.ringnet.backend.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;

/**
 * The io_uring backend: every operation is an SQE, every completion a CQE; one
 * {@code io_uring_enter} per loop iteration submits the batch and waits, with the next timer as its
 * timeout. Sockets are plain fds made by {@code socket(2)} through FFM.
 *
 * <h2>user_data</h2>
 * An op's SQE carries its table slot (bit 62 clear); the backend's own SQEs (the eventfd read that
 * wakes the loop, cancels, closes) carry {@link #INTERNAL} plus a tag. An op has at most one SQE in
 * flight at a time, so its slot names it unambiguously until its final CQE.
 *
 * <h2>Buffers</h2>
 * Direct buffers are handed to the kernel by address. Heap buffers go through a 64 KiB native
 * bounce chunk per op (a recv or send may then move less than {@code remaining()}, which the
 * partial-transfer contract allows; sendAll loops).
 *
 * <h2>Closing</h2>
 * Closing a socket queues an {@code ASYNC_CANCEL} of everything on its fd hard-linked to an
 * {@code IORING_OP_CLOSE}, so the fd number stays taken until its ops are cancelled and a new
 * socket can never inherit them. Closing the backend cancels every op, waits for their CQEs
 * (bounded), delivers each exactly once, closes every fd, unmaps the ring and frees its arena.
 */
public final class UringBackend implements Backend {
    private static final System.Logger LOG = System.getLogger("dev.ringnet.backend.uring");

    /*
     * user_data layout. An op: its request id cut to 58 bits (generation << 32 | slot), so a CQE
     * or a cancel aimed at an op that finished never touches the slot's next op. Internal SQEs:
     * bit 62, a 4-bit kind at bits 58..61, and for a cancel the target op's user_data below.
     */
    static final long INTERNAL = 1L << 62;
    private static final long OP_BITS = (1L << 58) - 1;
    private static final long KIND_SHIFT = 58;
    private static final long WAKE = 1, CANCEL = 2, CANCEL_FD = 3, CLOSE = 4, CANCEL_ALL = 5, LINK_TIMEOUT = 6;
    private static final long TAG_WAKE = INTERNAL | WAKE << KIND_SHIFT;

    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int BOUNCE_SIZE = 64 * 1024;
    /** Per-slot native scratch: sockaddr (128) + msghdr (56) + iovec (16), rounded up. */
    private static final long SCRATCH_PER_SLOT = 256;
    private static final int SLOTS_PER_CHUNK = 64;
    private static final long MSGHDR_AT = 128, IOVEC_AT = 192, TIMESPEC_AT = 208;

    private static final long CLOSE_DRAIN_NANOS = 5_000_000_000L;
    /**
     * Provided buffers for recvMany: how many (a power of two) and how big, read when the backend
     * is created from {@code ringnet.uring.bufferRing.entries} / {@code .bufferSize}.
     */
    private final int bufferRingEntries = Integer.getInteger("ringnet.uring.bufferRing.entries", 1024);
    private final int bufferRingSize = Integer.getInteger("ringnet.uring.bufferRing.bufferSize", 4096);

    private BufferRing bufferRing;
    private final BufferAddresses addresses = new BufferAddresses();
    private long enobufs;
    private long zeroCopyNotifications;
    private final boolean sendZeroCopy = UringProbe.support().sendZeroCopy();

    private final OpSink sink;
    private final Syscalls sys;
    private final Ring ring;
    private final Arena arena = Arena.ofShared();
    private final int eventFd;
    private final MemorySegment wakeBuf;

    private Op[] inflight = new Op[256];
    private MemorySegment[] bounce = new MemorySegment[256];
    private MemorySegment[] scratchChunks = new MemorySegment[4];
    private final java.util.ArrayDeque<MemorySegment> bouncePool = new java.util.ArrayDeque<>();
    private int inflightCount;
    /** Cancels the kernel could not act on yet; asked again on the next poll. */
    private final java.util.ArrayDeque<Op> cancelRetries = new java.util.ArrayDeque<>();

    /** Per fd: 0 = not ours, else {@code SocketType ordinal + 1}, plus {@link #V6} for AF_INET6 sockets. */
    private byte[] fdOpen = new byte[1024];
    private static final int V6 = 0x10;
    private int openCount;
    private final Object wakeLock = new Object();
    private boolean closing;
    private volatile boolean closed;
    private int delivered;

    /** Creates a ring and its wake-up eventfd; completions go to {@code sink}. */
    public UringBackend(OpSink sink) throws IOException {
        this.sink = sink;
        this.sys = Syscalls.open();
        Ring r = null;
        int efd = -1;
        try {
            r = Ring.open(sys, 4096, 16384);
            // Blocking on purpose: io_uring returns EAGAIN for a READ on a non-blocking eventfd
            // instead of waiting for it to become readable.
            efd = sys.eventfd(0, LinuxConstants.EFD_CLOEXEC);
            if (efd < 0) {
                throw Errno.toException(-efd, "eventfd");
            }
        } catch (IOException | RuntimeException e) {
            if (r != null) r.close();
            sys.close();
            arena.close();
            throw e;
        }
        this.ring = r;
        this.eventFd = efd;
        this.wakeBuf = arena.allocate(8, 8);
        armWakeRead();
        LOG.log(System.Logger.Level.DEBUG, () -> "io_uring ring " + ring.describeSetup());
    }

    @Override
    public String name() {
        return "io_uring";
    }

    /** The ring's set-up (entries, flags, features) for diagnostics. */
    public String describe() {
        return ring.describeSetup();
    }

    // ---------------------------------------------------------------- handles

    @Override
    public int open(SocketType type, ProtocolFamily family) throws IOException {
        if (closing) {
            throw new ClosedChannelException();
        }
        int domain = family == StandardProtocolFamily.INET ? LinuxConstants.AF_INET : LinuxConstants.AF_INET6;
        int sockType = (type == SocketType.DATAGRAM ? LinuxConstants.SOCK_DGRAM : LinuxConstants.SOCK_STREAM)
                | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC;
        int fd = sys.socket(domain, sockType, 0);
        if (fd < 0) {
            throw Errno.toException(-fd, "socket");
        }
        if (domain == LinuxConstants.AF_INET6 && family == null) {
            // The platform default is dual stack, as with java.nio: IPv4 peers appear as mapped addresses.
            sys.setsockopt(fd, LinuxConstants.IPPROTO_IPV6, LinuxConstants.IPV6_V6ONLY, 0);
        }
        track(fd, type, domain == LinuxConstants.AF_INET6);
        return fd;
    }

    private void track(int fd, SocketType type, boolean v6) {
        if (fd >= fdOpen.length) {
            fdOpen = Arrays.copyOf(fdOpen, Math.max(fd + 1, fdOpen.length * 2));
        }
        fdOpen[fd] = (byte) ((type.ordinal() + 1) | (v6 ? V6 : 0));
        openCount++;
    }

    /** The address family to encode socket addresses in for {@code fd} (IPv4 peers of a dual-stack socket are mapped). */
    private int familyOf(int fd) {
        return fd >= 0 && fd < fdOpen.length && (fdOpen[fd] & V6) != 0 ? LinuxConstants.AF_INET6 : LinuxConstants.AF_INET;
    }

    private int checkFd(int fd) throws ClosedChannelException {
        if (fd < 0 || fd >= fdOpen.length || fdOpen[fd] == 0) {
            throw new ClosedChannelException();
        }
        return fd;
    }

    private SocketType typeOf(int fd) {
        return SocketType.values()[(fdOpen[fd] & 0x0f) - 1];
    }

    @Override
    public void bind(int handle, SocketAddress local, int backlog) throws IOException {
        int fd = checkFd(handle);
        int res = sys.bind(fd, (InetSocketAddress) local);
        if (res < 0) {
            throw Errno.toException(-res, "bind " + local);
        }
        if (typeOf(fd) == SocketType.LISTENER) {
            res = sys.listen(fd, backlog);
            if (res < 0) {
                throw Errno.toException(-res, "listen");
            }
        }
    }

    @Override
    public void connectDatagram(int handle, SocketAddress remote) throws IOException {
        int res = sys.connect(checkFd(handle), (InetSocketAddress) remote);
        if (res < 0) {
            throw Errno.toException(-res, "connect " + remote);
        }
    }

    @Override
    public <T> void setOption(int handle, SocketOption<T> option, T value) throws IOException {
        int fd = checkFd(handle);
        int res = SocketOptionCodes.set(sys, fd, option, value);
        if (res < 0) {
            throw Errno.toException(-res, "setsockopt " + option.name());
        }
    }

    @Override
    public <T> T getOption(int handle, SocketOption<T> option) throws IOException {
        return SocketOptionCodes.get(sys, checkFd(handle), option);
    }

    @Override
    public InetSocketAddress localAddress(int handle) throws IOException {
        return sys.getsockname(checkFd(handle));
    }

    @Override
    public InetSocketAddress remoteAddress(int handle) throws IOException {
        return sys.getpeername(checkFd(handle));
    }

    @Override
    public DetachedSocket detach(int handle) throws IOException {
        int fd = checkFd(handle);
        boolean v6 = (fdOpen[fd] & V6) != 0;
        fdOpen[fd] = 0;
        openCount--;
        addresses.forget(fd);
        return new DetachedSocket(name(), fd, v6, null);
    }

    @Override
    public int adopt(DetachedSocket socket) throws IOException {
        if (closing) {
            throw new ClosedChannelException();
        }
        if (!name().equals(socket.backend()) || socket.fd() < 0) {
            throw new IllegalArgumentException("an io_uring backend cannot adopt a socket from " + socket.backend());
        }
        track(socket.fd(), SocketType.STREAM, socket.ipv6());
        return socket.fd();
    }

    @Override
    public void shutdownOutput(int handle) throws IOException {
        int res = sys.shutdown(checkFd(handle), LinuxConstants.SHUT_WR);
        if (res < 0) {
            throw Errno.toException(-res, "shutdown");
        }
    }

    @Override
    public void close(int handle) {
        if (handle < 0 || handle >= fdOpen.length || fdOpen[handle] == 0) {
            return;
        }
        fdOpen[handle] = 0;
        openCount--;
        addresses.forget(handle);
        if (closing || !ring.mayEnter()) {
            sys.close(handle); // backend close cancels everything itself
            return;
        }
        // Cancel everything on the fd, then close it, in order, whatever the cancel's result.
        long at = sqe();
        Sqe.prep(ring.sqes(), at, IORING_OP_ASYNC_CANCEL, handle, 0, 0, 0, INTERNAL | CANCEL_FD << KIND_SHIFT);
        ring.sqes().set(JAVA_INT, at + Sqe.OP_FLAGS, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL);
        ring.sqes().set(JAVA_BYTE, at + Sqe.FLAGS, IOSQE_IO_HARDLINK);
        at = sqe();
        Sqe.prep(ring.sqes(), at, IORING_OP_CLOSE, handle, 0, 0, 0, INTERNAL | CLOSE << KIND_SHIFT);
    }

    @Override
    public int openHandles() {
        return openCount;
    }

    // ---------------------------------------------------------------- operations

    @Override
    public void submit(Op op) {
        if (closing) {
            sink.aborted(op, "event loop closed");
            return;
        }
        int slot = op.slot();
        if (slot >= inflight.length) {
            int n = Math.max(slot + 1, inflight.length * 2);
            inflight = Arrays.copyOf(inflight, n);
            bounce = Arrays.copyOf(bounce, n);
        }
        inflight[slot] = op;
        inflightCount++;
        prepare(op);
    }

    @Override
    public Thread boundThread() {
        return ring.issuer();
    }

    @Override
    public boolean linksTimeout(byte kind) {
        return kind == Op.RECV || kind == Op.CONNECT;
    }

    /** Writes the op's SQE (again, for a sendAll continuing after a partial send). */
    private void prepare(Op op) {
        int slot = op.slot();
        MemorySegment sqes = ring.sqes();
        boolean linked = op.timeoutNanos > 0 && linksTimeout(op.kind);
        if (linked && ring.sqSpace() < 2) {
            submitNow(); // the op and its timeout must reach the kernel in one submission
        }
        long at = sqe();
        long userData = userData(op);
        switch (op.kind) {
            case Op.RECV -> {
                Sqe.prep(sqes, at, IORING_OP_RECV, op.handle, dataAddress(op, true), dataLength(op), 0, userData);
            }
            case Op.SEND, Op.SEND_ALL -> {
                Sqe.prep(sqes, at, IORING_OP_SEND, op.handle, dataAddress(op, false), dataLength(op), 0, userData);
                sqes.set(JAVA_INT, at + Sqe.OP_FLAGS, MSG_NOSIGNAL);
            }
            case Op.ACCEPT, Op.ACCEPT_MULTI -> {
                Sqe.prep(sqes, at, IORING_OP_ACCEPT, op.handle, 0, 0, 0, userData);
                sqes.set(JAVA_INT, at + Sqe.OP_FLAGS, LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC);
                if (op.kind == Op.ACCEPT_MULTI) {
                    sqes.set(JAVA_SHORT, at + Sqe.IOPRIO, IORING_ACCEPT_MULTISHOT);
                }
            }
            case Op.RECV_MULTI -> {
                bufferRing(); // registered on first use: contexts that never use it pay nothing
                Sqe.prep(sqes, at, IORING_OP_RECV, op.handle, 0, 0, 0, userData);
                sqes.set(JAVA_BYTE, at + Sqe.FLAGS, IOSQE_BUFFER_SELECT);
                sqes.set(JAVA_SHORT, at + Sqe.IOPRIO, IORING_RECV_MULTISHOT);
                sqes.set(JAVA_SHORT, at + Sqe.BUF_INDEX, BufferRing.GROUP);
            }
            case Op.SEND_ZC -> {
                boolean zeroCopy = sendZeroCopy && op.buffer.isDirect();
                Sqe.prep(sqes, at, zeroCopy ? IORING_OP_SEND_ZC : IORING_OP_SEND, op.handle,
                        dataAddress(op, false), dataLength(op), 0, userData);
                sqes.set(JAVA_INT, at + Sqe.OP_FLAGS, MSG_NOSIGNAL);
            }
            case Op.CONNECT -> {
                MemorySegment scratch = scratch(slot);
                int len = SockAddr.write((InetSocketAddress) op.address, scratch, familyOf(op.handle));
                Sqe.prep(sqes, at, IORING_OP_CONNECT, op.handle, scratch.address(), 0, len, userData);
            }
            case Op.RECV_FROM, Op.SEND_TO -> {
                boolean recv = op.kind == Op.RECV_FROM;
                MemorySegment scratch = scratch(slot);
                int nameLen = recv ? (int) SockAddr.STORAGE_SIZE
                        : SockAddr.write((InetSocketAddress) op.address, scratch, familyOf(op.handle));
                MemorySegment iov = scratch.asSlice(IOVEC_AT, 16);
                iov.set(JAVA_LONG, 0, dataAddress(op, recv));
                iov.set(JAVA_LONG, 8, dataLength(op));
                MemorySegment msg = scratch.asSlice(MSGHDR_AT, 56); // struct msghdr
                msg.set(JAVA_LONG, 0, scratch.address());  // msg_name
                msg.set(JAVA_INT, 8, nameLen);              // msg_namelen
                msg.set(JAVA_LONG, 16, iov.address());      // msg_iov
                msg.set(JAVA_LONG, 24, 1);                  // msg_iovlen
                msg.set(JAVA_LONG, 32, 0);                  // msg_control
                msg.set(JAVA_LONG, 40, 0);                  // msg_controllen
                msg.set(JAVA_INT, 48, 0);                   // msg_flags
                Sqe.prep(sqes, at, recv ? IORING_OP_RECVMSG : IORING_OP_SENDMSG, op.handle, msg.address(), 1, 0, userData);
                if (!recv) {
                    sqes.set(JAVA_INT, at + Sqe.OP_FLAGS, MSG_NOSIGNAL);
                }
            }
            default -> throw new IllegalArgumentException("unknown op kind " + op.kind);
        }
        if (linked) {
            // IORING_OP_LINK_TIMEOUT: if the op is still pending when it fires, the kernel cancels it.
            sqes.set(JAVA_BYTE, at + Sqe.FLAGS, (byte) (sqes.get(JAVA_BYTE, at + Sqe.FLAGS) | IOSQE_IO_LINK));
            MemorySegment ts = scratch(slot).asSlice(TIMESPEC_AT, 16);
            ts.set(JAVA_LONG, 0, op.timeoutNanos / 1_000_000_000L);
            ts.set(JAVA_LONG, 8, op.timeoutNanos % 1_000_000_000L);
            long t = sqe();
            Sqe.prep(sqes, t, IORING_OP_LINK_TIMEOUT, -1, ts.address(), 1, 0, INTERNAL | LINK_TIMEOUT << KIND_SHIFT);
        }
    }

    /** Kernel-visible address of the op's data: the direct buffer itself, or a bounce chunk. */
    private long dataAddress(Op op, boolean receiving) {
        ByteBuffer buf = op.buffer;
        if (buf.isDirect()) {
            return addresses.address(op.handle, buf, receiving);
        }
        MemorySegment chunk = bounce[op.slot()];
        if (chunk == null) {
            chunk = takeBounce();
            bounce[op.slot()] = chunk;
        }
        if (!receiving) {
            int n = Math.min(buf.remaining(), BOUNCE_SIZE);
            if (buf.hasArray()) {
                MemorySegment.copy(buf.array(), buf.arrayOffset() + buf.position(), chunk, JAVA_BYTE, 0, n);
            } else { // a read-only heap buffer has no accessible array
                MemorySegment.copy(MemorySegment.ofBuffer(buf), 0, chunk, 0, n);
            }
        }
        return chunk.address();
    }

    private int dataLength(Op op) {
        int n = op.buffer.remaining();
        return op.buffer.isDirect() ? n : Math.min(n, BOUNCE_SIZE);
    }

    private MemorySegment takeBounce() {
        MemorySegment chunk = bouncePool.pollFirst();
        return chunk != null ? chunk : arena.allocate(BOUNCE_SIZE, 64);
    }

    private BufferRing bufferRing() {
        if (bufferRing == null) {
            try {
                bufferRing = BufferRing.register(sys, ring.ringFd, arena, bufferRingEntries, bufferRingSize);
            } catch (IOException e) {
                throw new IllegalStateException("cannot register the provided-buffer ring for recvMany", e);
            }
        }
        return bufferRing;
    }

    private MemorySegment scratch(int slot) {
        int chunk = slot / SLOTS_PER_CHUNK;
        if (chunk >= scratchChunks.length) {
            scratchChunks = Arrays.copyOf(scratchChunks, Math.max(chunk + 1, scratchChunks.length * 2));
        }
        MemorySegment c = scratchChunks[chunk];
        if (c == null) {
            c = arena.allocate(SCRATCH_PER_SLOT * SLOTS_PER_CHUNK, 64);
            scratchChunks[chunk] = c;
        }
        return c.asSlice((slot % SLOTS_PER_CHUNK) * SCRATCH_PER_SLOT, SCRATCH_PER_SLOT);
    }

    /** A free SQE, submitting the queued ones first if the SQ is full. */
    private long sqe() {
        long at = ring.nextSqe();
        if (at < 0) {
            submitNow();
            at = ring.nextSqe();
            if (at < 0) {
                throw new IllegalStateException("io_uring SQ still full after submitting");
            }
        }
        return at;
    }

    private static long userData(Op op) {
        return op.requestId() & OP_BITS;
    }

    /** Submits the queued SQEs without reaping (completions wait in the CQ for the next poll). */
    private void submitNow() {
        try {
            int res = ring.enter(0);
            if (res < 0 && res != -Errno.EINTR && res != -Errno.EAGAIN && res != -Errno.EBUSY) {
                throw Errno.toException(-res, "io_uring_enter");
            }
        } catch (IOException e) {
            throw new IllegalStateException("io_uring submission failed", e);
        }
    }

    @Override
    public void cancel(Op op) {
        if (inflight.length <= op.slot() || inflight[op.slot()] != op) {
            return; // already delivered
        }
        long target = userData(op);
        long at = sqe();
        Sqe.prep(ring.sqes(), at, IORING_OP_ASYNC_CANCEL, -1, target, 0, 0, INTERNAL | CANCEL << KIND_SHIFT | target);
    }

    private void armWakeRead() {
        long at = sqe();
        Sqe.prep(ring.sqes(), at, IORING_OP_READ, eventFd, wakeBuf.address(), 8, 0, TAG_WAKE);
    }

    // ---------------------------------------------------------------- completions

    @Override
    public int poll(long timeoutNanos) throws IOException {
        ensureOpen();
        delivered = 0;
        for (Op op = cancelRetries.pollFirst(); op != null; op = cancelRetries.pollFirst()) {
            if (inflight[op.slot()] == op && op.cancelRequested()) {
                cancel(op);
            }
        }
        long wait = ring.cqReady() > 0 ? 0 : timeoutNanos;
        int res = ring.enter(wait);
        if (res < 0 && res != -Errno.EINTR && res != -Errno.ETIME && res != -Errno.EAGAIN && res != -Errno.EBUSY) {
            throw Errno.toException(-res, "io_uring_enter");
        }
        reap();
        if (ring.cqOverflowed()) { // completions parked in the kernel: flush them in, then read them
            ring.enter(0);
            reap();
        }
        return delivered;
    }

    private void reap() {
        MemorySegment cq = ring.cq();
        for (int ready = ring.cqReady(); ready > 0; ready = ring.cqReady()) {
            for (int i = 0; i < ready; i++) {
                long at = ring.cqeOffset(0);
                long userData = cq.get(JAVA_LONG, at + Cqe.USER_DATA);
                int res = cq.get(JAVA_INT, at + Cqe.RES);
                int flags = cq.get(JAVA_INT, at + Cqe.FLAGS);
                ring.cqAdvance(1);
                if ((userData & INTERNAL) != 0) {
                    internal(userData, res);
                } else {
                    complete(userData, res, flags);
                }
            }
        }
    }

    private void internal(long userData, int res) {
        long kind = (userData >>> KIND_SHIFT) & 0xf;
        if (kind == WAKE) {
            if (!closing) {
                armWakeRead(); // keep exactly one read armed on the eventfd
            }
        } else if (kind == CANCEL && (res == -Errno.EALREADY || res == -Errno.ENOENT)) {
            // The kernel was between states (a poll that fired and is about to retry the recv, say)
            // and may re-arm the op instead of ending it: ask again while it is still ours.
            Op op = inflightOp(userData & OP_BITS);
            if (op != null && op.cancelRequested()) {
                cancelRetries.add(op);
            }
        }
        // Cancels by fd and closes need no follow-up: their ops report through their own CQEs.
    }

    /** The op in flight under this user_data, or null if it has completed since. */
    private Op inflightOp(long userData) {
        int slot = (int) userData;
        Op op = slot < inflight.length ? inflight[slot] : null;
        return op != null && userData(op) == userData ? op : null;
    }

    private void complete(long userData, int res, int flags) {
        Op op = inflightOp(userData);
        if (op == null) {
            Logs.log(LOG, System.Logger.Level.WARNING, "io_uring completion for unknown op {0} (res {1})", userData, res);
            return;
        }
        int slot = op.slot();
        switch (op.kind) {
            case Op.SEND_ZC -> {
                zeroCopySent(op, res, flags);
                return;
            }
            case Op.RECV_MULTI -> {
                if (multishotReceived(op, res, flags)) {
                    return;
                }
            }
            case Op.ACCEPT_MULTI -> {
                if (res >= 0) {
                    multishotAccepted(op, res, flags);
                    return;
                }
            }
            default -> { }
        }
        if (res == -Errno.ECANCELED || (res == -Errno.EINTR && op.cancelRequested())) {
            finish(op);
            if (op.cancelRequested()) {
                sink.cancelled(op);
            } else if (closing) {
                sink.aborted(op, "event loop closed");
            } else if (op.timeoutNanos > 0 && linksTimeout(op.kind) && fdOpen[op.handle] != 0) {
                sink.timedOut(op); // only its linked timeout cancels an op whose socket is still open
            } else {
                sink.aborted(op, "socket closed");
            }
            return;
        }
        if (res < 0) {
            finish(op);
            sink.fail(op, Errno.toException(-res, describe(op.kind)));
            return;
        }
        switch (op.kind) {
            case Op.RECV -> {
                int asked = dataLength(op);
                advance(op, res, true);
                finish(op);
                sink.complete(op, res == 0 && asked > 0 ? -1 : res);
            }
            case Op.SEND, Op.SEND_TO -> {
                advance(op, res, false);
                finish(op);
                sink.complete(op, res);
            }
            case Op.SEND_ALL -> {
                advance(op, res, false);
                op.progress += res;
                if (op.buffer.hasRemaining() && !op.cancelRequested() && !closing) {
                    prepare(op); // the rest, as one more SEND
                    return;
                }
                finish(op);
                if (op.buffer.hasRemaining()) {
                    sink.cancelled(op);
                } else {
                    sink.complete(op, op.progress);
                }
            }
            case Op.ACCEPT -> {
                finish(op);
                if (closing) {
                    sys.close(res);
                    sink.aborted(op, "event loop closed");
                } else {
                    track(res, SocketType.STREAM, familyOf(op.handle) == LinuxConstants.AF_INET6);
                    sink.complete(op, res);
                }
            }
            case Op.CONNECT -> {
                finish(op);
                sink.complete(op, 0);
            }
            case Op.RECV_FROM -> {
                MemorySegment scratch = scratch(slot);
                int nameLen = scratch.get(JAVA_INT, MSGHDR_AT + 8);
                op.address = SockAddr.read(scratch, nameLen);
                advance(op, res, true);
                finish(op);
                sink.complete(op, res);
            }
            default -> {
                finish(op);
                sink.fail(op, new IOException("unexpected completion for op kind " + op.kind));
            }
        }
    }

    /**
     * A SEND_ZC completes in two CQEs: the result (flagged MORE when a notification follows), then
     * the notification that the kernel no longer reads the buffer. Only then does the handler run.
     */
    private void zeroCopySent(Op op, int res, int flags) {
        if ((flags & IORING_CQE_F_NOTIF) == 0) { // the result
            if (res >= 0) {
                advance(op, res, false);
            }
            op.progress = res; // bytes, or -errno kept for the notification
            if ((flags & IORING_CQE_F_MORE) != 0) {
                return; // the buffer is still the kernel's
            }
        }
        if ((flags & IORING_CQE_F_NOTIF) != 0) {
            zeroCopyNotifications++;
        }
        finish(op);
        int result = op.progress;
        if (result == -Errno.ECANCELED) {
            if (op.cancelRequested()) {
                sink.cancelled(op);
            } else {
                sink.aborted(op, closing ? "event loop closed" : "socket closed");
            }
        } else if (result < 0) {
            sink.fail(op, Errno.toException(-result, "send"));
        } else {
            sink.complete(op, result);
        }
    }

    /** One connection of a multishot accept; re-arms the accept when the kernel ended the multishot. */
    private void multishotAccepted(Op op, int fd, int flags) {
        if (closing) {
            sys.close(fd);
        } else {
            track(fd, SocketType.STREAM, familyOf(op.handle) == LinuxConstants.AF_INET6);
            delivered++;
            sink.more(op, fd);
        }
        if ((flags & IORING_CQE_F_MORE) == 0) {
            rearmOrEnd(op);
        }
    }

    /**
     * A CQE of a multishot recv. Returns false when it is the op's final error for the common path
     * (cancelled, reset...). Data is lent to the handler and the buffer recycled right after;
     * ENOBUFS (every buffer in use) and a kernel-ended multishot re-arm the recv, so no byte is lost:
     * what the kernel could not place stays in the socket.
     */
    private boolean multishotReceived(Op op, int res, int flags) {
        boolean bufferUsed = (flags & IORING_CQE_F_BUFFER) != 0;
        int bid = flags >>> 16;
        if (res > 0) {
            delivered++;
            try {
                sink.received(op, bufferRing.lend(bid, res));
            } finally {
                bufferRing.recycle(bid);
            }
            if ((flags & IORING_CQE_F_MORE) == 0) {
                rearmOrEnd(op);
            }
            return true;
        }
        if (bufferUsed) {
            bufferRing.recycle(bid);
        }
        if (res == 0) {
            finish(op);
            sink.complete(op, -1); // end of stream
            return true;
        }
        if (res == -Errno.ENOBUFS) {
            enobufs++;
            rearmOrEnd(op);
            return true;
        }
        return false;
    }

    /** Submits a multishot op again, unless it was cancelled, its socket closed, or the loop is closing. */
    private void rearmOrEnd(Op op) {
        if (inflight[op.slot()] != op) {
            return; // delivered meanwhile (a handler closed the socket and the abort came through)
        }
        if (op.cancelRequested()) {
            finish(op);
            sink.cancelled(op);
        } else if (closing || op.handle < 0 || op.handle >= fdOpen.length || fdOpen[op.handle] == 0) {
            finish(op);
            sink.aborted(op, closing ? "event loop closed" : "socket closed");
        } else {
            prepare(op);
        }
    }

    /** How many times a multishot recv found every provided buffer in use (for tests and diagnostics). */
    public long bufferExhaustions() {
        return enobufs;
    }

    /** How many SEND_ZC notifications arrived: zero-copy sends that really were (for tests and diagnostics). */
    public long zeroCopyNotifications() {
        return zeroCopyNotifications;
    }

    /** Moves the buffer's position over the bytes the kernel transferred (copying out of a bounce chunk). */
    private void advance(Op op, int bytes, boolean received) {
        ByteBuffer buf = op.buffer;
        if (bytes <= 0) {
            return;
        }
        if (!buf.isDirect() && received) {
            MemorySegment.copy(bounce[op.slot()], JAVA_BYTE, 0, buf.array(), buf.arrayOffset() + buf.position(), bytes);
        }
        buf.position(buf.position() + bytes);
    }

    /** Forgets the op: its slot and bounce chunk are free again. */
    private void finish(Op op) {
        int slot = op.slot();
        inflight[slot] = null;
        inflightCount--;
        MemorySegment chunk = bounce[slot];
        if (chunk != null) {
            bounce[slot] = null;
            bouncePool.addFirst(chunk);
        }
        delivered++;
    }

    private static String describe(byte kind) {
        return switch (kind) {
            case Op.RECV -> "recv";
            case Op.SEND, Op.SEND_ALL, Op.SEND_ZC -> "send";
            case Op.ACCEPT_MULTI -> "accept";
            case Op.RECV_MULTI -> "recv";
            case Op.ACCEPT -> "accept";
            case Op.CONNECT -> "connect";
            case Op.RECV_FROM -> "recvmsg";
            case Op.SEND_TO -> "sendmsg";
            default -> "io_uring op";
        };
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
        if (closed) {
            return;
        }
        closing = true;
        try {
            if (ring.mayEnter()) {
                long at = sqe();
                Sqe.prep(ring.sqes(), at, IORING_OP_ASYNC_CANCEL, -1, 0, 0, 0, INTERNAL | CANCEL_ALL << KIND_SHIFT);
                ring.sqes().set(JAVA_INT, at + Sqe.OP_FLAGS, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
                long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
                while (inflightCount > 0 && System.nanoTime() < deadline) {
                    ring.enter(100_000_000L);
                    reap();
                }
            }
        } catch (IOException | RuntimeException e) {
            Logs.log(LOG, System.Logger.Level.WARNING, "io_uring close: draining in-flight operations failed", e);
        }
        // Whatever did not come back (another thread closing a single-issuer ring, or a stuck op)
        // is still delivered once; the ring's own close makes the kernel cancel it.
        for (int slot = 0; slot < inflight.length; slot++) {
            Op op = inflight[slot];
            if (op != null) {
                finish(op);
                sink.aborted(op, "event loop closed");
            }
        }
        for (int fd = 0; fd < fdOpen.length; fd++) {
            if (fdOpen[fd] != 0) {
                fdOpen[fd] = 0;
                sys.close(fd);
            }
        }
        openCount = 0;
        synchronized (wakeLock) {
            closed = true;
            sys.close(eventFd);
        }
        if (bufferRing != null && ring.mayEnter()) {
            bufferRing.unregister(sys, ring.ringFd); // before its memory goes back with the arena
        }
        ring.close();
        sys.close();
        arena.close();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }
}
