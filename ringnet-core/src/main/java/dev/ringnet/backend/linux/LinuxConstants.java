package dev.ringnet.backend.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * Linux ABI constants shared by the epoll and io_uring backends, and the {@code struct epoll_event}
 * layout with allocation-free accessors.
 *
 * <p>Values come from the kernel UAPI headers ({@code asm-generic/socket.h},
 * {@code asm-generic/fcntl.h}, {@code asm-generic/mman-common.h}, {@code linux/eventpoll.h},
 * {@code linux/io_uring.h}); x86_64 and aarch64 share all of them. The one per-architecture
 * difference is {@code struct epoll_event}: see {@link #EPOLL_EVENT}.
 *
 * <p>Thread rules: constants and stateless static methods, usable from any thread. The accessors
 * read and write memory the caller owns; the caller keeps that memory's thread rules.
 */
public final class LinuxConstants {
    private LinuxConstants() {
    }

    // ---- sockets (sys/socket.h, asm-generic/fcntl.h) ----

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    /** {@code O_NONBLOCK}, octal 04000. */
    public static final int SOCK_NONBLOCK = 0x800;
    /** {@code O_CLOEXEC}, octal 02000000. */
    public static final int SOCK_CLOEXEC = 0x80000;

    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;

    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    /** {@code recv}/{@code send} flag: peek at data without consuming it. */
    public static final int MSG_PEEK = 0x02;
    /** {@code recv}/{@code send} flag: don't block even if the socket is blocking. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code send} flag: return {@code -EPIPE} instead of raising SIGPIPE. */
    public static final int MSG_NOSIGNAL = 0x4000;

    public static final int SOL_SOCKET = 1;
    /** {@code getsockopt(SOL_SOCKET, SO_TYPE)}: {@code SOCK_STREAM}, {@code SOCK_DGRAM}, ... */
    public static final int SO_TYPE = 3;
    /** {@code getsockopt(SOL_SOCKET, SO_DOMAIN)}: the socket's address family. */
    public static final int SO_DOMAIN = 39;
    /** {@code setsockopt(IPPROTO_IPV6, IPV6_V6ONLY)}: 0 makes an {@code AF_INET6} socket dual stack. */
    public static final int IPV6_V6ONLY = 26;
    /** {@code getsockopt(SOL_SOCKET, SO_ERROR)}: the pending error, e.g. of a non-blocking connect. */
    public static final int SO_ERROR = 4;

    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    // ---- eventfd (sys/eventfd.h) ----

    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    public static final int EFD_CLOEXEC = O_CLOEXEC;

    // ---- mmap (asm-generic/mman-common.h, linux/mman.h) ----

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    // ---- epoll (linux/eventpoll.h) ----

    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLPRI = 0x002;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLEXCLUSIVE = 1 << 28;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;

    /** Whether the JVM runs on x86_64, where {@code struct epoll_event} is packed. */
    static final boolean X86_64 = isX86_64();

    /**
     * {@code struct epoll_event { __poll_t events; __u64 data; }}, per architecture:
     * <ul>
     *   <li>x86_64: the kernel declares it {@code __attribute__((packed))} (same layout as the
     *       32-bit ABI), so {@code data} sits at offset 4 and the struct is 12 bytes, 4-aligned;</li>
     *   <li>aarch64 (and every other 64-bit architecture): natural alignment, 4 bytes of padding
     *       after {@code events}, {@code data} at offset 8, 16 bytes.</li>
     * </ul>
     * Arrays of events for {@code epoll_wait} are {@code n * EPOLL_EVENT.byteSize()} bytes; use
     * {@link #epollEvents} / {@link #epollData} to read them.
     */
    public static final StructLayout EPOLL_EVENT = X86_64
            ? MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    ValueLayout.JAVA_LONG.withByteAlignment(4).withName("data"))
                .withByteAlignment(4).withName("epoll_event")
            : MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4),
                    ValueLayout.JAVA_LONG.withName("data"))
                .withName("epoll_event");

    /** {@code sizeof(struct epoll_event)}: 12 on x86_64, 16 on aarch64. */
    public static final long EPOLL_EVENT_SIZE = EPOLL_EVENT.byteSize();
    /** Offset of {@code events} (0). */
    public static final long EPOLL_EVENT_EVENTS_OFFSET =
            EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    /** Offset of {@code data}: 4 on x86_64, 8 on aarch64. */
    public static final long EPOLL_EVENT_DATA_OFFSET =
            EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    /** The {@code events} mask of entry {@code index} of an {@code epoll_event} array. Allocation-free. */
    public static int epollEvents(MemorySegment events, int index) {
        return events.get(ValueLayout.JAVA_INT_UNALIGNED, index * EPOLL_EVENT_SIZE + EPOLL_EVENT_EVENTS_OFFSET);
    }

    /** The {@code data} word of entry {@code index} of an {@code epoll_event} array. Allocation-free. */
    public static long epollData(MemorySegment events, int index) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, index * EPOLL_EVENT_SIZE + EPOLL_EVENT_DATA_OFFSET);
    }

    /** Writes entry {@code index} of an {@code epoll_event} array. Allocation-free. */
    public static void setEpollEvent(MemorySegment events, int index, int mask, long data) {
        long base = index * EPOLL_EVENT_SIZE;
        events.set(ValueLayout.JAVA_INT_UNALIGNED, base + EPOLL_EVENT_EVENTS_OFFSET, mask);
        events.set(ValueLayout.JAVA_LONG_UNALIGNED, base + EPOLL_EVENT_DATA_OFFSET, data);
    }

    // ---- io_uring (linux/io_uring.h, asm-generic/unistd.h; same numbers on x86_64 and aarch64) ----

    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_ENTER = 426;
    public static final long SYS_IO_URING_REGISTER = 427;

    /** {@code sizeof(struct io_uring_params)}. */
    public static final long IO_URING_PARAMS_SIZE = 120;

    /** mmap offset of the submission ring. */
    public static final long IORING_OFF_SQ_RING = 0L;
    /** mmap offset of the completion ring (unless {@code IORING_FEAT_SINGLE_MMAP}). */
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    /** mmap offset of the SQE array. */
    public static final long IORING_OFF_SQES = 0x10000000L;

    /** {@code io_uring_enter} flag: wait for / reap completions. */
    public static final int IORING_ENTER_GETEVENTS = 1;
    /** {@code io_uring_enter} flag: wake the SQPOLL thread. */
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    /** {@code io_uring_enter} flag: {@code arg} is a {@code struct io_uring_getevents_arg}. */
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;

    private static boolean isX86_64() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64");
    }
}
