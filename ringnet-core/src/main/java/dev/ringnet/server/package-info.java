/**
 * Servers on every core: {@link dev.ringnet.server.ServerContext} runs N worker loops and the
 * listening sockets feeding them, with an acceptor loop or one {@code SO_REUSEPORT} listener per
 * worker, and shuts them down gracefully.
 */
package dev.ringnet.server;
