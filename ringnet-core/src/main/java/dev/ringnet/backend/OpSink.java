package dev.ringnet.backend;

import java.io.IOException;

/**
 * Where a backend reports what happened to the operations it was given. Implemented by the loop's
 * {@link OpTable}; every method is called on the loop thread.
 *
 * <p>The backend calls exactly one of {@link #complete}, {@link #fail}, {@link #cancelled} or
 * {@link #aborted} per submitted op, and forgets the op before the call (the record is recycled
 * during it).
 */
public interface OpSink {
    /**
     * Claims a pending op before a readiness backend performs its I/O, so that a concurrent
     * {@code cancel} cannot also succeed. Returns false if the op was cancelled: the backend then
     * unlinks it and calls {@link #cancelled}.
     */
    boolean tryStart(Op op);

    /** Returns a claimed op to pending after its I/O would block, so it can be cancelled again. */
    void park(Op op);

    /** The op succeeded with {@code result} (bytes, a handle, or -1 at end of stream). */
    void complete(Op op, int result);

    /** The op failed. */
    void fail(Op op, IOException error);

    /**
     * A multishot ACCEPT_MULTI produced one more result (the accepted handle) and stays in flight.
     * A claimed ({@link #tryStart}) op is returned to pending before the handler runs, so the handler
     * may cancel it.
     */
    void more(Op op, int result);

    /**
     * A multishot RECV_MULTI received {@code data} (position..limit), which the backend lends to the
     * handler only for the duration of the call, and stays in flight. Claimed ops are returned to
     * pending first, as for {@link #more}.
     */
    void received(Op op, java.nio.ByteBuffer data);

    /** The op was cancelled (by request or by its deadline) and has been unlinked from the backend. */
    void cancelled(Op op);

    /** The op's own deadline ({@link Op#timeoutNanos}) passed first and the backend ended it. */
    void timedOut(Op op);

    /** The op was ended because its socket or the whole backend is closing. */
    void aborted(Op op, String why);
}
