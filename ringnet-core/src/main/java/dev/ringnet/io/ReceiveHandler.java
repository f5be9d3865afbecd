package dev.ringnet.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receives the data of a multishot receive ({@code recvMany}): called once per chunk of bytes the
 * kernel delivered, then once more at the end.
 *
 * <p>{@code data} is lent: its bytes (position..limit) live in a buffer the loop owns and reuses as
 * soon as the call returns. Consume or copy them inside the call; never keep the reference. This is
 * what lets thousands of idle connections hold no receive buffer at all.
 *
 * <p>The last call has {@code data == null}: {@code error == null} means the peer closed its side
 * (end of stream); otherwise {@code error} says why receiving stopped
 * ({@link OperationCancelledException} after a cancel or close). Runs on the loop thread.
 *
 * <pre>{@code
 * socket.recvMany((data, err, conn) -> {
 *     if (data == null) { conn.close(); return; }      // end of stream or error: the last call
 *     conn.parser.feed(data);                          // consume before returning
 * }, conn);
 * }</pre>
 *
 * @param <A> the attachment type
 */
@FunctionalInterface
public interface ReceiveHandler<A> {
    /**
     * @param data       received bytes, lent for the duration of the call; null on the last call
     * @param error      null unless receiving stopped because of an error or a cancel
     * @param attachment the object passed when the receive was submitted
     */
    void onReceive(ByteBuffer data, IOException error, A attachment);
}
