package dev.ringnet.io;

import java.io.IOException;

/**
 * Receives the completion of an I/O operation that produces a byte count: recv, send, sendAll,
 * sendTo, and connect (result 0).
 *
 * <p>Runs on the event loop thread, exactly once per submitted operation. Exactly one of
 * {@code result} and {@code error} is meaningful: when {@code error} is non-null the operation
 * failed (a cancelled operation fails with {@link OperationCancelledException}) and
 * {@code result} is {@code -1}. For a recv, {@code result == -1} with a null error means the peer
 * closed its side (end of stream), as in {@link java.nio.channels.ReadableByteChannel}.
 *
 * <p>Keep the handler short: the loop runs nothing else while it runs. A handler that throws is
 * logged and the loop carries on. One handler instance can serve every operation of a connection
 * (pass per-operation state as the attachment): that is how the callback form stays free of
 * allocation.
 *
 * <pre>{@code
 * IoHandler<Conn> onRead = (n, err, conn) -> {
 *     if (err != null || n < 0) { conn.close(); return; }
 *     conn.buffer.flip();
 *     conn.socket.sendAll(conn.buffer, onWritten, conn);
 * };
 * }</pre>
 *
 * @param <A> the attachment type
 */
@FunctionalInterface
public interface IoHandler<A> {
    /**
     * Called once when the operation completes.
     *
     * @param result     bytes transferred, {@code -1} at end of stream or on error
     * @param error      null on success, else why the operation failed
     * @param attachment the object passed when the operation was submitted
     */
    void onComplete(int result, IOException error, A attachment);
}
