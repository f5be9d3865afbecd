package dev.ringnet.backend.uring;

import static dev.ringnet.backend.uring.IoUringConstants.IORING_REGISTER_PBUF_RING;
import static dev.ringnet.backend.uring.IoUringConstants.IORING_UNREGISTER_PBUF_RING;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.ringnet.backend.linux.Errno;
import dev.ringnet.backend.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}): buffers the kernel picks from when a
 * multishot recv has data, so a connection waiting for bytes owns no buffer. The kernel consumes
 * from the head; we return a buffer at the tail once its handler has run.
 *
 * <p>Layout: an array of {@code struct io_uring_buf {u64 addr; u32 len; u16 bid; u16 resv;}}
 * whose first entry's {@code resv} doubles as the ring's tail (offset 14), written with release
 * ordering after the entry it publishes. Each buffer has one pre-made {@link ByteBuffer} view, so
 * lending a buffer allocates nothing.
 *
 * <p>Owned by one {@link UringBackend}; its memory comes from the backend's arena and is
 * unregistered from the ring before that arena is freed.
 */
final class BufferRing {
    static final short GROUP = 0;
    private static final VarHandle SHORT = JAVA_SHORT.varHandle();
    private static final long TAIL_OFFSET = 14;
    private static final long ENTRY = 16;

    private final int entries;
    private final int mask;
    private final int bufferSize;
    private final MemorySegment ring;
    private final MemorySegment buffers;
    private final ByteBuffer[] views;
    private short tail;

    @SuppressWarnings("restricted") // views of memory this ring's arena owns, for as long as it lives
    private BufferRing(int entries, int bufferSize, MemorySegment ring, MemorySegment buffers) {
        this.entries = entries;
        this.mask = entries - 1;
        this.bufferSize = bufferSize;
        this.ring = ring;
        this.buffers = buffers;
        this.views = new ByteBuffer[entries];
        for (int bid = 0; bid < entries; bid++) {
            // A global-scope view of memory the arena owns: handlers read these views byte by byte
            // (an HTTP parser does), and a view of the arena's own segment would check the arena's
            // liveness on every get. Safe because a view is only lent while the ring is alive.
            views[bid] = MemorySegment.ofAddress(buffers.address() + (long) bid * bufferSize)
                    .reinterpret(bufferSize).asByteBuffer();
        }
    }

    /**
     * Allocates {@code entries} buffers of {@code bufferSize} bytes from {@code arena}, hands them all
     * to the kernel and registers the ring as buffer group {@link #GROUP}.
     *
     * @param entries a power of two, at most 32768
     */
    static BufferRing register(Syscalls sys, int ringFd, Arena arena, int entries, int bufferSize) throws IOException {
        if (Integer.bitCount(entries) != 1 || entries > 32768) {
            throw new IllegalArgumentException("buffer ring entries must be a power of two <= 32768: " + entries);
        }
        MemorySegment ring = arena.allocate(entries * ENTRY, 4096); // the kernel wants it page aligned
        MemorySegment buffers = arena.allocate((long) entries * bufferSize, 4096);
        BufferRing br = new BufferRing(entries, bufferSize, ring, buffers);
        for (int bid = 0; bid < entries; bid++) {
            br.put(bid);
        }
        br.publish();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment reg = scratch.allocate(40, 8); // struct io_uring_buf_reg
            reg.set(JAVA_LONG, 0, ring.address());        // ring_addr
            reg.set(JAVA_INT, 8, entries);                // ring_entries
            reg.set(JAVA_SHORT, 12, GROUP);               // bgid
            int res = sys.ioUringRegister(ringFd, IORING_REGISTER_PBUF_RING, reg, 1);
            if (res < 0) {
                throw Errno.toException(-res, "io_uring_register(PBUF_RING)");
            }
        }
        return br;
    }

    /** The buffer {@code bid} as a view of its first {@code length} bytes, lent to a handler. */
    ByteBuffer lend(int bid, int length) {
        ByteBuffer view = views[bid];
        view.clear().limit(length);
        return view;
    }

    /** Gives buffer {@code bid} back to the kernel. */
    void recycle(int bid) {
        put(bid);
        publish();
    }

    private void put(int bid) {
        long at = (tail & mask) * ENTRY;
        // Field by field: entry 0's last two bytes are the tail itself.
        ring.set(JAVA_LONG, at, buffers.address() + (long) bid * bufferSize);
        ring.set(JAVA_INT, at + 8, bufferSize);
        ring.set(JAVA_SHORT, at + 12, (short) bid);
        tail++;
    }

    private void publish() {
        SHORT.setRelease(ring, TAIL_OFFSET, tail);
    }

    int entries() {
        return entries;
    }

    int bufferSize() {
        return bufferSize;
    }

    /** Takes the ring away from the kernel (before its memory is freed). */
    void unregister(Syscalls sys, int ringFd) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment reg = scratch.allocate(40, 8);
            reg.set(JAVA_SHORT, 12, GROUP);
            sys.ioUringRegister(ringFd, IORING_UNREGISTER_PBUF_RING, reg, 1);
        }
    }
}
