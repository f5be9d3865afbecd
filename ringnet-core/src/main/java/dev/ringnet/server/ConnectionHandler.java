package dev.ringnet.server;

import dev.ringnet.loop.IoContext;
import dev.ringnet.net.TcpSocket;

/**
 * Takes a new connection on the worker loop it was given to; runs on that loop's thread, so it may
 * use the callback form of the socket's operations at once.
 */
@FunctionalInterface
public interface ConnectionHandler {
    /**
     * @param socket the connection, owned by the handler from now on
     * @param worker the loop it belongs to
     */
    void accepted(TcpSocket socket, IoContext worker);
}
