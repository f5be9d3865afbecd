package dev.ringnet.backend;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * Turns a raw completion into a call of the user's handler, for the operations whose result is
 * not a plain byte count (accept and connect produce sockets, recvFrom a sender). Byte-count
 * operations call {@link dev.ringnet.io.IoHandler} directly and need no completer.
 *
 * <p>Implementations are stateless singletons: everything per operation arrives as arguments.
 */
@FunctionalInterface
public interface Completer {
    /**
     * Delivers one completion on the loop thread.
     *
     * @param owner      the object that submitted the operation (for example the listener)
     * @param result     the backend's result (a socket handle for ACCEPT, bytes for RECV_FROM)
     * @param address    the op's address after completion (the sender for RECV_FROM)
     * @param error      null on success
     * @param handler    the user's handler
     * @param attachment the user's attachment
     */
    void complete(Object owner, int result, SocketAddress address, IOException error, Object handler, Object attachment);
}
