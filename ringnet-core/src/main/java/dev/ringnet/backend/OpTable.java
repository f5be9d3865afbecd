package dev.ringnet.backend;

import dev.ringnet.internal.Logs;
import dev.ringnet.io.IoHandler;
import dev.ringnet.io.ReceiveHandler;
import dev.ringnet.io.OperationCancelledException;
import dev.ringnet.io.OperationTimeoutException;
import dev.ringnet.time.Timeout;
import dev.ringnet.time.TimerQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The loop's operations in flight: a pool of {@link Op} records addressed by request id, and the
 * {@link OpSink} that turns backend completions into handler calls.
 *
 * <p>Request ids are {@code generation << 32 | slot}: a slot is reused after its op is delivered,
 * with a new generation, so an old id never reaches a newer operation. Ids are never 0.
 *
 * <p>Threading: acquiring, submitting and delivering happen on the loop thread only (no locks).
 * {@link #cancel(long)} is safe from any thread: it reads the slot table through a volatile
 * reference (slots are never removed, only appended) and claims the op by CAS; the backend-side
 * cancellation then runs on the loop thread.
 */
public final class OpTable implements OpSink {
    private static final System.Logger LOG = System.getLogger("dev.ringnet.loop");

    private final Executor loop;
    private final Supplier<Thread> loopThread;
    private Backend backend;
    private TimerQueue timers;
    private volatile Op[] slots = new Op[64];
    private int used;
    private Op free;
    private int inFlight;
    private boolean closed;

    /**
     * @param loop       runs cross-thread cancellations on the loop thread
     * @param loopThread tells the current loop thread (it may change hands between runs)
     */
    public OpTable(Executor loop, Supplier<Thread> loopThread) {
        this.loop = loop;
        this.loopThread = loopThread;
    }

    /**
     * Connects the backend whose completions this table receives and the loop's timers (for the
     * deadlines the backend does not enforce itself); once, before any submit.
     */
    public void attach(Backend backend, TimerQueue timers) {
        this.backend = backend;
        this.timers = timers;
    }

    /**
     * Connects a backend without loop timers, for harnesses that drive a backend directly: ops with
     * a deadline then need a backend that links timeouts itself.
     */
    public void attach(Backend backend) {
        attach(backend, null);
    }

    /** Ops submitted and not yet delivered. Loop thread. */
    public int inFlight() {
        return inFlight;
    }

    /**
     * From now on, an operation submitted completes at once with
     * {@link OperationCancelledException} ("event loop closed"): once the loop closes nothing would
     * ever poll it, and its handler must still run exactly once. This is the only case where a
     * handler runs inside the submitting call; a handler that re-submits on every completion stops at
     * that error.
     */
    public void close() {
        closed = true;
    }

    /** Takes a free record for a new operation. Loop thread. */
    public Op acquire(byte kind, int handle, Object handler, Object attachment) {
        Op op = free;
        if (op != null) {
            free = op.next;
            op.next = null;
        } else {
            op = grow();
        }
        op.kind = kind;
        op.handle = handle;
        op.handler = handler;
        op.attachment = attachment;
        return op;
    }

    private Op grow() {
        Op[] table = slots;
        if (used == table.length) {
            table = Arrays.copyOf(table, table.length * 2);
            slots = table; // publish before the new slot can be named by an id
        }
        Op op = new Op(used);
        table[used++] = op;
        return op;
    }

    /** Sets who completes an object-producing op, and on whose behalf. Before submit. */
    public void delivery(Op op, Completer completer, Object owner) {
        op.completer = completer;
        op.owner = owner;
    }

    /** Hands the op to the backend and returns its request id. Loop thread. */
    public long submit(Op op) {
        long ctl = op.ctl();
        op.setCtl((ctl & ~Op.STATE_MASK) | Op.PENDING);
        inFlight++;
        long id = op.id();
        if (closed) {
            aborted(op, "event loop closed");
            return id;
        }
        if (op.timeoutNanos > 0 && !backend.linksTimeout(op.kind)) {
            if (timers == null) {
                throw new IllegalStateException("a deadline needs loop timers: this table was attached without them");
            }
            op.deadline = timers.schedule(System.nanoTime() + op.timeoutNanos, () -> expire(id));
        }
        backend.submit(op);
        return id;
    }

    /**
     * Requests cancellation. Thread-safe. Returns true if the op was still pending: its handler then
     * runs exactly once, with {@link OperationCancelledException} unless the kernel had already
     * finished it (io_uring), in which case the real result is delivered so no data is lost.
     */
    public boolean cancel(long requestId) {
        return cancel(requestId, Op.CANCELLED);
    }

    /** As {@link #cancel(long)}, but the op fails with {@link OperationTimeoutException}. */
    public boolean expire(long requestId) {
        return cancel(requestId, Op.TIMED_OUT);
    }

    private boolean cancel(long requestId, int reason) {
        if (requestId <= 0) {
            return false;
        }
        int slot = (int) requestId;
        long generation = requestId >>> 32;
        Op[] table = slots;
        if (slot < 0 || slot >= table.length) {
            return false;
        }
        Op op = table[slot];
        if (op == null) {
            return false;
        }
        long expected = generation << Op.STATE_BITS | Op.PENDING;
        long claimed = generation << Op.STATE_BITS | reason;
        if (!op.casCtl(expected, claimed)) {
            return false;
        }
        if (Thread.currentThread() == loopThread.get()) {
            backend.cancel(op);
        } else {
            try {
                loop.execute(() -> {
                    if (op.ctl() == claimed) { // not yet delivered by the loop
                        backend.cancel(op);
                    }
                });
            } catch (RejectedExecutionException closing) {
                // The loop is closing: its backend aborts every pending op, this one included.
            }
        }
        return true;
    }

    @Override
    public boolean tryStart(Op op) {
        long ctl = op.ctl();
        return (ctl & Op.STATE_MASK) == Op.PENDING
                && op.casCtl(ctl, (ctl & ~Op.STATE_MASK) | Op.RUNNING);
    }

    @Override
    public void park(Op op) {
        long ctl = op.ctl();
        if ((ctl & Op.STATE_MASK) == Op.RUNNING) {
            op.setCtl((ctl & ~Op.STATE_MASK) | Op.PENDING);
        }
    }

    @SuppressWarnings("unchecked")
    @Override
    public void more(Op op, int result) {
        park(op);
        try {
            op.completer.complete(op.owner, result, op.address, null, op.handler, op.attachment);
        } catch (Throwable t) {
            Logs.log(LOG, System.Logger.Level.WARNING, "completion handler threw; the loop carries on", t);
        }
    }

    @SuppressWarnings("unchecked")
    @Override
    public void received(Op op, ByteBuffer data) {
        park(op);
        try {
            ((ReceiveHandler<Object>) op.handler).onReceive(data, null, op.attachment);
        } catch (Throwable t) {
            Logs.log(LOG, System.Logger.Level.WARNING, "receive handler threw; the loop carries on", t);
        }
    }

    @Override
    public void complete(Op op, int result) {
        deliver(op, result, null);
    }

    @Override
    public void fail(Op op, IOException error) {
        deliver(op, -1, error);
    }

    @Override
    public void cancelled(Op op) {
        deliver(op, -1, op.state() == Op.TIMED_OUT
                ? new OperationTimeoutException(describe(op.kind) + " timed out")
                : new OperationCancelledException(describe(op.kind) + " cancelled"));
    }

    @Override
    public void timedOut(Op op) {
        deliver(op, -1, new OperationTimeoutException(describe(op.kind) + " timed out"));
    }

    @Override
    public void aborted(Op op, String why) {
        deliver(op, -1, op.state() == Op.TIMED_OUT
                ? new OperationTimeoutException(describe(op.kind) + " timed out")
                : new OperationCancelledException(describe(op.kind) + " cancelled: " + why));
    }

    @SuppressWarnings("unchecked")
    private void deliver(Op op, int result, IOException error) {
        Object handler = op.handler;
        Object attachment = op.attachment;
        byte kind = op.kind;
        Completer completer = op.completer;
        Object owner = op.owner;
        var address = op.address;
        Timeout deadline = op.deadline;
        release(op);
        if (deadline != null) {
            deadline.cancel();
        }
        try {
            if (kind == Op.RECV_MULTI) { // the end of a multishot receive: end of stream or why it stopped
                ((ReceiveHandler<Object>) handler).onReceive(null, error, attachment);
            } else if (completer == null) {
                ((IoHandler<Object>) handler).onComplete(result, error, attachment);
            } else {
                completer.complete(owner, result, address, error, handler, attachment);
            }
        } catch (Throwable t) {
            Logs.log(LOG, System.Logger.Level.WARNING, "completion handler threw; the loop carries on", t);
        }
    }

    private void release(Op op) {
        long next = ((op.ctl() >>> Op.STATE_BITS) + 1) & 0x7fff_ffffL;
        op.clear();
        op.setCtl((next == 0 ? 1 : next) << Op.STATE_BITS | Op.FREE);
        op.next = free;
        free = op;
        inFlight--;
    }

    private static String describe(byte kind) {
        return switch (kind) {
            case Op.RECV -> "recv";
            case Op.SEND -> "send";
            case Op.SEND_ALL -> "sendAll";
            case Op.ACCEPT -> "accept";
            case Op.CONNECT -> "connect";
            case Op.RECV_FROM -> "recvFrom";
            case Op.SEND_TO -> "sendTo";
            case Op.ACCEPT_MULTI -> "acceptMany";
            case Op.RECV_MULTI -> "recvMany";
            case Op.SEND_ZC -> "sendZeroCopy";
            default -> "operation";
        };
    }
}
