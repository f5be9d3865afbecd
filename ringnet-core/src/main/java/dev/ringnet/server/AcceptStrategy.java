package dev.ringnet.server;

/** How a {@link ServerContext} spreads incoming connections over its worker loops. */
public enum AcceptStrategy {
    /**
     * One acceptor loop on its own thread accepts every connection and hands each to the next worker
     * in turn (round robin): even spreading whatever the kernel does, at the cost of one cross-thread
     * hand-off per connection.
     */
    ACCEPTOR,
    /**
     * Every worker has its own listening socket on the same port ({@code SO_REUSEPORT}) and accepts
     * on its own loop: no hand-off; the kernel spreads connections by hashing their addresses.
     */
    REUSE_PORT
}
