package dev.ringnet.backend;

import dev.ringnet.time.Timeout;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One asynchronous operation in flight: the submission (what to do) and, once the backend is done,
 * its completion. The loop's {@link OpTable} pools these records, so the callback form of an
 * operation allocates nothing in steady state; the request id a caller sees names a slot and the
 * generation of its current use, so a stale id can never cancel a later operation.
 *
 * <h2>Life cycle</h2>
 * <pre>
 *   FREE --submit--> PENDING --tryStart--> RUNNING --complete/fail--> (delivered) --> FREE
 *                      |  ^-----park----------'
 *                      '--cancel (any thread)--> CANCELLED | TIMED_OUT --backend unlinks--> (delivered)
 * </pre>
 * Only the loop thread moves an op out of PENDING/RUNNING towards delivery; other threads may only
 * move PENDING to CANCELLED or TIMED_OUT, by CAS on {@code ctl}. That single CAS is what makes a
 * completion racing a cancel deliver exactly one callback.
 *
 * <p>Fields other than {@code ctl} are plain: they are written by the submitter on the loop thread
 * before {@link Backend#submit} and read by the backend on the same thread.
 */
public final class Op {
    /**
     * Kinds of operation. Read side: RECV, ACCEPT, RECV_FROM, ACCEPT_MULTI, RECV_MULTI; write side:
     * the rest. The MULTI kinds are multishot: they produce results until cancelled or ended
     * ({@link OpSink#more}, {@link OpSink#received}) and then complete once like any other op.
     * SEND_ZC is a send whose buffer the kernel may still read after the byte count is known: it
     * completes only when the kernel has let go of the buffer.
     */
    public static final byte RECV = 1, SEND = 2, SEND_ALL = 3, ACCEPT = 4, CONNECT = 5, RECV_FROM = 6, SEND_TO = 7,
            ACCEPT_MULTI = 8, RECV_MULTI = 9, SEND_ZC = 10;

    static final int FREE = 0, PENDING = 1, RUNNING = 2, CANCELLED = 3, TIMED_OUT = 4;
    static final int STATE_BITS = 3;
    static final long STATE_MASK = (1L << STATE_BITS) - 1;

    private static final VarHandle CTL;

    static {
        try {
            CTL = MethodHandles.lookup().findVarHandle(Op.class, "ctl", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Index in the op table; the low half of every request id naming this record. */
    final int slot;
    /** {@code generation << STATE_BITS | state}; the generation changes on every reuse. */
    @SuppressWarnings("unused") // accessed through CTL
    private volatile long ctl;

    /** What to do: one of the kind constants. */
    public byte kind;
    /** The backend's socket handle the operation works on. */
    public int handle;
    /** Data to send from / receive into (position..limit); owned by the backend until delivery. */
    public ByteBuffer buffer;
    /** Target of CONNECT and SEND_TO; for RECV_FROM the backend stores the sender here. */
    public SocketAddress address;
    /**
     * Deadline of the op, relative to its submission, in nanoseconds; 0 for none. When it passes
     * first, the op fails with {@code OperationTimeoutException}: through a linked timeout in the
     * kernel where the backend has one ({@link Backend#linksTimeout}), else a loop timer.
     */
    public long timeoutNanos;
    /** Bytes already moved by a SEND_ALL that needed several writes. */
    public int progress;
    /** Backend-private flags (for example "connect already initiated"). */
    public int backendFlags;
    /** Backend-owned link: position in a per-socket queue or a completion list. */
    public Op next;
    /** Result parked by a backend that completed the op during submit, delivered on the next poll. */
    public int parkedResult;
    /** Error parked alongside {@link #parkedResult}. */
    public IOException parkedError;

    // Delivery: who to tell. Set by the submitter, consumed by OpTable.
    Object handler;
    Object attachment;
    Object owner;
    Completer completer;
    Timeout deadline;

    Op(int slot) {
        this.slot = slot;
        CTL.setRelease(this, (1L << STATE_BITS) | FREE);
    }

    /** The op's slot in the table: stable for the record's life, unique among ops in flight. */
    public int slot() {
        return slot;
    }

    /** The request id of the op's current use (what {@code cancel} takes). */
    public long requestId() {
        return id();
    }

    /** True once a cancel (by request or deadline) claimed the op; its delivery is still pending. */
    public boolean cancelRequested() {
        int s = state();
        return s == CANCELLED || s == TIMED_OUT;
    }

    long ctl() {
        return (long) CTL.getAcquire(this);
    }

    boolean casCtl(long expected, long value) {
        return CTL.compareAndSet(this, expected, value);
    }

    void setCtl(long value) {
        CTL.setRelease(this, value);
    }

    int state() {
        return (int) (ctl() & STATE_MASK);
    }

    long generation() {
        return ctl() >>> STATE_BITS;
    }

    /** The request id of this record's current use: generation in the high half, slot in the low. */
    long id() {
        return (generation() << 32) | slot;
    }

    /** Forgets everything but the slot; the caller bumps the generation. */
    void clear() {
        kind = 0;
        handle = -1;
        buffer = null;
        address = null;
        progress = 0;
        timeoutNanos = 0;
        backendFlags = 0;
        next = null;
        parkedResult = 0;
        parkedError = null;
        handler = null;
        attachment = null;
        owner = null;
        completer = null;
        deadline = null;
    }

    /** True for the kinds that wait for readability (or an incoming connection). */
    public boolean isReadSide() {
        return kind == RECV || kind == ACCEPT || kind == RECV_FROM || kind == ACCEPT_MULTI || kind == RECV_MULTI;
    }

    /** True for the multishot kinds. */
    public boolean isMultishot() {
        return kind == ACCEPT_MULTI || kind == RECV_MULTI;
    }

    @Override
    public String toString() {
        return "Op[slot=" + slot + ", kind=" + kind + ", handle=" + handle + ", state=" + state() + "]";
    }
}
