/**
 * TCP and UDP sockets on an {@link dev.ringnet.loop.IoContext}: {@link dev.ringnet.net.TcpListener},
 * {@link dev.ringnet.net.TcpSocket}, {@link dev.ringnet.net.UdpSocket}, and the
 * {@link dev.ringnet.net.SocketOptions} they are opened with. Every operation comes in a callback,
 * a {@code CompletionStage} and a blocking (virtual thread) form.
 */
package dev.ringnet.net;
