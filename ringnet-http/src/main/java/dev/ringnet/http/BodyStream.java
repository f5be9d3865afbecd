package dev.ringnet.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The body of a streaming route as an {@link InputStream}: the connection's loop offers chunks
 * (copies of the received bytes) without locking, the handler's virtual thread reads them,
 * parking while none is there. When more than {@link #HIGH_WATER} bytes wait unread the
 * connection stops receiving; the reader restarts it once they fall below {@link #LOW_WATER}.
 */
final class BodyStream extends InputStream {
    static final long HIGH_WATER = 1 << 20;
    static final long LOW_WATER = 256 << 10;

    private final HttpConnection connection;
    private final ConcurrentLinkedQueue<byte[]> chunks = new ConcurrentLinkedQueue<>();
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicBoolean resumeWanted = new AtomicBoolean();
    private volatile boolean ended;
    private volatile IOException failure;
    private volatile boolean abandoned;
    private volatile Thread reader;
    private byte[] current;
    private int at;

    BodyStream(HttpConnection connection) {
        this.connection = connection;
    }

    // ------------------------------------------------------------------ loop side

    /** Loop thread: offers a copy of received body bytes; returns true if the loop should stop receiving. */
    boolean offer(byte[] chunk) {
        if (abandoned) {
            return false;
        }
        chunks.add(chunk);
        long now = buffered.addAndGet(chunk.length);
        wake();
        if (now > HIGH_WATER) {
            resumeWanted.set(true);
            // the reader may have drained everything between the add and the flag: then resume now
            return buffered.get() > LOW_WATER || !resumeWanted.compareAndSet(true, false);
        }
        return false;
    }

    /** Loop thread: the whole body has arrived. */
    void end() {
        ended = true;
        wake();
    }

    /** Loop thread: the body will not complete (the connection failed or closed). */
    void fail(IOException e) {
        if (!ended) {
            failure = e;
        }
        wake();
    }

    /** The handler returned: nobody will read what is left. */
    void abandon() {
        abandoned = true;
        chunks.clear();
        buffered.set(0);
    }

    private void wake() {
        Thread t = reader;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    // ------------------------------------------------------------------ reader side

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - at);
        System.arraycopy(current, at, b, off, n);
        at += n;
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length - at;
    }

    /** Makes {@code current} hold unread bytes; false at the end of the body. */
    private boolean fill() throws IOException {
        while (current == null || at == current.length) {
            byte[] next = chunks.poll();
            if (next != null) {
                current = next;
                at = 0;
                long left = buffered.addAndGet(-next.length);
                if (left < LOW_WATER && resumeWanted.compareAndSet(true, false)) {
                    connection.resumeFromStream();
                }
                continue;
            }
            current = null;
            IOException f = failure;
            if (f != null) {
                throw new IOException("request body incomplete: " + f.getMessage(), f);
            }
            if (ended && chunks.isEmpty()) {
                return false;
            }
            reader = Thread.currentThread();
            if (chunks.isEmpty() && !ended && failure == null) {
                LockSupport.park(this);
            }
            reader = null;
            if (Thread.interrupted()) {
                throw new InterruptedIOException("interrupted while reading the request body");
            }
        }
        return true;
    }
}
