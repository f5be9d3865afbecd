package dev.ringnet.io;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Receives the completion of a datagram receive ({@code recvFrom}): the datagram's length and its
 * sender. Same contract as {@link IoHandler}: loop thread, exactly once.
 *
 * @param <A> the attachment type
 */
@FunctionalInterface
public interface DatagramHandler<A> {
    /**
     * Called once when a datagram arrived or the receive failed.
     *
     * @param bytes      the number of bytes stored in the buffer, {@code -1} on error; a datagram
     *                   larger than the buffer's remaining space is truncated (UDP semantics)
     * @param sender     who sent it, null on error
     * @param error      null on success, else why the receive failed
     * @param attachment the object passed when the operation was submitted
     */
    void onComplete(int bytes, InetSocketAddress sender, IOException error, A attachment);
}
