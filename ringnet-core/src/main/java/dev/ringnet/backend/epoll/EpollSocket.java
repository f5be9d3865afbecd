package dev.ringnet.backend.epoll;

import dev.ringnet.backend.Backend.SocketType;
import dev.ringnet.backend.linux.LinuxConstants;

/**
 * The epoll backend's state for one socket, allocated once when the socket is opened or accepted.
 *
 * <h2>Readiness without lost edges</h2>
 * The fd is registered once, edge-triggered, for {@code EPOLLIN | EPOLLOUT | EPOLLRDHUP}. The
 * kernel reports a direction only when it changes, so the backend remembers it: {@link #readable} /
 * {@link #writable} are set by every event that carries the direction (or an error or hang-up) and
 * cleared only by an attempt that met {@code EAGAIN}. An attempt is made only while the flag is set,
 * and the flag is cleared only after the kernel said "nothing now" — so any data or space arriving
 * later is a new edge, queued by the kernel for the next {@code epoll_wait}, which sets the flag
 * again. Both start set: the first op on a new socket is simply tried.
 *
 * <h2>Queues</h2>
 * One FIFO per direction. Only the head of a queue is ever attempted, so sends leave in submission
 * order and receives are filled in order.
 *
 * <p>Loop thread only.
 */
final class EpollSocket {
    final int fd;
    final SocketType type;
    /** {@code AF_INET6} (possibly dual-stack): socket addresses are encoded as IPv6 for it. */
    final boolean v6;

    final OpQueue reads = new OpQueue();
    final OpQueue writes = new OpQueue();

    /** Data, a connection, end of stream or an error may be there: a read-side attempt is worth it. */
    boolean readable = true;
    /** Send space, a finished connect or an error may be there: a write-side attempt is worth it. */
    boolean writable = true;
    boolean closed;

    /** The backend's poll count when the socket was last served: at most one visit per poll. */
    int servedIn = -1;

    /** On the backend's revisit list: served at the next poll without waiting for an event. */
    boolean revisit;
    EpollSocket nextRevisit;

    EpollSocket(int fd, SocketType type, boolean v6) {
        this.fd = fd;
        this.type = type;
        this.v6 = v6;
    }

    OpQueue queue(boolean read) {
        return read ? reads : writes;
    }

    boolean ready(boolean read) {
        return read ? readable : writable;
    }

    /** The address family socket addresses are encoded in for this socket. */
    int family() {
        return v6 ? LinuxConstants.AF_INET6 : LinuxConstants.AF_INET;
    }
}
