package dev.ringnet.backend.epoll;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.LinuxConstants;
import dev.ringnet.backend.linux.SockAddr;
import dev.ringnet.backend.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * Moves bytes between {@link ByteBuffer}s and sockets with non-blocking system calls, advancing the
 * buffer's position by what moved.
 *
 * <p>Direct buffers are handed to the kernel by address. Heap buffers go through one native bounce
 * chunk of {@value #BOUNCE_SIZE} bytes: a readiness backend does its I/O synchronously, so one chunk
 * serves every socket (a transfer may then move less than {@code remaining()}, which the
 * partial-transfer contract allows; SEND_ALL loops).
 *
 * <p>Every call passes {@code MSG_DONTWAIT} (a critical downcall, see {@link Syscalls#recv}) and
 * sends pass {@code MSG_NOSIGNAL}. Results are bytes moved or {@code -errno}; {@code EINTR} is
 * retried here. Allocation-free for direct buffers and for heap buffers with an array; a
 * {@code sendTo} re-encodes its target only when it is not the same address object as the last one.
 *
 * <p>Loop thread only; its native memory belongs to the backend's arena.
 */
final class BufferIo {
    static final int BOUNCE_SIZE = 64 * 1024;
    private static final int RECV_FLAGS = LinuxConstants.MSG_DONTWAIT;
    private static final int SEND_FLAGS = LinuxConstants.MSG_DONTWAIT | LinuxConstants.MSG_NOSIGNAL;

    private final Syscalls sys;
    private final MemorySegment bounce;
    private final long bounceAddress;
    private final MemorySegment from;
    private final MemorySegment fromLen;
    private final MemorySegment to;
    private InetSocketAddress encodedTo;
    private int encodedFamily;
    private int encodedLen;

    BufferIo(Syscalls sys, Arena arena) {
        this.sys = sys;
        this.bounce = arena.allocate(BOUNCE_SIZE, 64);
        this.bounceAddress = bounce.address();
        this.from = arena.allocate(SockAddr.STORAGE_SIZE, 8);
        this.fromLen = arena.allocate(JAVA_INT);
        this.to = arena.allocate(SockAddr.STORAGE_SIZE, 8);
    }

    /** {@code recv} into {@code buf}: bytes (0 at end of stream), or -errno. */
    private final dev.ringnet.backend.BufferAddresses addresses = new dev.ringnet.backend.BufferAddresses();

    /** Forgets the buffers remembered for {@code fd} (closed or detached). */
    void forget(int fd) {
        addresses.forget(fd);
    }

    long recv(int fd, ByteBuffer buf) {
        int len = receivable(buf);
        long n;
        do {
            n = sys.recv(fd, receiveAddress(fd, buf), len, RECV_FLAGS);
        } while (n == -Errno.EINTR);
        received(buf, n);
        return n;
    }

    /** {@code send} of at most {@code max} bytes of {@code buf}: bytes sent, or -errno. */
    long send(int fd, ByteBuffer buf, int max) {
        int len = sendable(buf, max);
        long address = sendAddress(fd, buf, len);
        long n;
        do {
            n = sys.send(fd, address, len, SEND_FLAGS);
        } while (n == -Errno.EINTR);
        if (n > 0) {
            buf.position(buf.position() + (int) n);
        }
        return n;
    }

    /** {@code recvfrom} into {@code buf}: bytes, or -errno; then {@link #sender()} tells who sent them. */
    long recvFrom(int fd, ByteBuffer buf) {
        int len = receivable(buf);
        long n;
        do {
            n = sys.recvfrom(fd, receiveAddress(fd, buf), len, RECV_FLAGS, from, fromLen);
        } while (n == -Errno.EINTR);
        received(buf, n);
        return n;
    }

    /** The sender of the last successful {@link #recvFrom} (a new object: the one allocation of a receive). */
    InetSocketAddress sender() {
        return SockAddr.read(from, fromLen.get(JAVA_INT, 0));
    }

    /**
     * {@code sendto} of {@code buf}'s remaining bytes as one datagram to {@code target}, encoded for a
     * socket of {@code family}: bytes sent, or -errno.
     *
     * @throws IllegalArgumentException if {@code target} is unresolved
     */
    long sendTo(int fd, ByteBuffer buf, InetSocketAddress target, int family) {
        if (target != encodedTo || family != encodedFamily) {
            encodedTo = null;
            encodedLen = SockAddr.write(target, to, family);
            encodedTo = target; // InetSocketAddress is immutable: the same object encodes the same
            encodedFamily = family;
        }
        int len = sendable(buf, Integer.MAX_VALUE);
        long address = sendAddress(fd, buf, len);
        long n;
        do {
            n = sys.sendto(fd, address, len, SEND_FLAGS, to, encodedLen);
        } while (n == -Errno.EINTR);
        if (n > 0) {
            buf.position(buf.position() + (int) n);
        }
        return n;
    }

    // ---------------------------------------------------------------- buffers

    private static int receivable(ByteBuffer buf) {
        if (buf.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        return buf.isDirect() ? buf.remaining() : Math.min(buf.remaining(), BOUNCE_SIZE);
    }

    private static int sendable(ByteBuffer buf, int max) {
        int len = Math.min(buf.remaining(), max);
        return buf.isDirect() ? len : Math.min(len, BOUNCE_SIZE);
    }

    /** Where the kernel writes the bytes for {@code buf}: the buffer itself, or the bounce chunk. */
    private long receiveAddress(int fd, ByteBuffer buf) {
        return buf.isDirect() ? addresses.address(fd, buf, true) : bounceAddress;
    }

    /** Advances {@code buf} over {@code n} received bytes, copying them out of the bounce chunk for a heap buffer. */
    private void received(ByteBuffer buf, long n) {
        if (n <= 0) {
            return;
        }
        int pos = buf.position();
        if (!buf.isDirect()) {
            MemorySegment.copy(bounce, JAVA_BYTE, 0, buf.array(), buf.arrayOffset() + pos, (int) n);
        }
        buf.position(pos + (int) n);
    }

    /**
     * Where the kernel reads {@code len} bytes of {@code buf} from: the buffer itself, or the bounce
     * chunk filled from it ({@code len} is at most {@value #BOUNCE_SIZE} for a heap buffer).
     */
    private long sendAddress(int fd, ByteBuffer buf, int len) {
        if (buf.isDirect()) {
            return addresses.address(fd, buf, false);
        }
        if (buf.hasArray()) {
            MemorySegment.copy(buf.array(), buf.arrayOffset() + buf.position(), bounce, JAVA_BYTE, 0, len);
        } else { // a read-only heap buffer: no accessible array
            MemorySegment.copy(MemorySegment.ofBuffer(buf), 0, bounce, 0, len);
        }
        return bounceAddress;
    }
}
