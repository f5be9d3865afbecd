package dev.ringnet.backend;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The native address of direct buffers handed to a native backend, remembered per socket and
 * direction. A connection typically reuses the same buffer for every receive (and another for every
 * send); finding its address through {@link MemorySegment#ofBuffer} makes a segment object each
 * time, which only the JIT's escape analysis may remove — this cache makes the steady state free of
 * allocation whatever the JIT does. A direct buffer never moves, so its base address is stable.
 *
 * <p>Holds a reference to the last buffer per socket and direction until {@link #forget}, which the
 * backend calls when it closes or gives up the socket. Loop thread only.
 */
public final class BufferAddresses {
    private ByteBuffer[] receiving = new ByteBuffer[64];
    private ByteBuffer[] sending = new ByteBuffer[64];
    private long[] receivingBase = new long[64];
    private long[] sendingBase = new long[64];

    /** The address of {@code buf}'s position; {@code buf} must be direct. */
    public long address(int handle, ByteBuffer buf, boolean receive) {
        if (handle < 0) {
            return MemorySegment.ofBuffer(buf).address();
        }
        if (handle >= receiving.length) {
            grow(handle);
        }
        ByteBuffer[] cached = receive ? receiving : sending;
        long[] bases = receive ? receivingBase : sendingBase;
        if (cached[handle] != buf) {
            bases[handle] = MemorySegment.ofBuffer(buf).address() - buf.position();
            cached[handle] = buf;
        }
        return bases[handle] + buf.position();
    }

    /** Drops what is remembered for {@code handle} (closed or detached). */
    public void forget(int handle) {
        if (handle >= 0 && handle < receiving.length) {
            receiving[handle] = null;
            sending[handle] = null;
        }
    }

    private void grow(int handle) {
        int n = Math.max(handle + 1, receiving.length * 2);
        receiving = Arrays.copyOf(receiving, n);
        sending = Arrays.copyOf(sending, n);
        receivingBase = Arrays.copyOf(receivingBase, n);
        sendingBase = Arrays.copyOf(sendingBase, n);
    }
}
