package dev.ringnet.backend.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * The libc / system-call layer of the Linux backends, through the FFM API (no JNI).
 *
 * <h2>Results</h2>
 * Every call returns what the kernel returned, or {@code -errno} when it failed (the errno is
 * captured with {@link Linker.Option#captureCallState}); errno never becomes an exception here —
 * see {@link Errno#toException} for that. Exceptions are thrown only for programming errors: a
 * length larger than the segment, a heap segment where native memory is required, use from a
 * thread other than the owner, use after {@link #close()}.
 *
 * <h2>Thread rules and ownership</h2>
 * An instance belongs to one event loop and is used by one thread at a time — the loop's, which may
 * change hands between runs (the exceptions are the static, thread-safe {@link #eventfdSignal}, the
 * wake-up other threads use, and {@link #closeFd}). It owns a shared {@link Arena} holding its scratch memory — the errno capture
 * segment, a {@value SockAddr#STORAGE_SIZE}-byte sockaddr buffer, a {@code socklen_t}, an 8-byte
 * eventfd value and an option value — so calls need no allocation. Scratch is reused by the next
 * call. {@link #close()} frees it; file descriptors are not owned by this object and are never
 * closed by it. Memory passed in ({@code buf}, {@code params}, {@code events}) stays the caller's and
 * must be native (off-heap); it is only used for the duration of the call.
 *
 * <h2>Native calls</h2>
 * The downcall handles are static, created once (lazily, on first {@link #open()}) from
 * {@link Linker#defaultLookup()}. Calls that cannot block use {@link Linker.Option#critical
 * critical(false)} (no thread-state transition): {@code socket}, {@code bind}, {@code listen},
 * {@code setsockopt}, {@code getsockopt}, {@code getsockname}, {@code getpeername},
 * {@code shutdown}, {@code eventfd}, {@code epoll_create1}, {@code epoll_ctl}, {@code mmap},
 * {@code munmap}; and conditionally: {@code recv}/{@code send} when {@code flags} contain
 * {@link LinuxConstants#MSG_DONTWAIT}, {@code epoll_wait} with a zero timeout,
 * {@code io_uring_enter} when it does not wait (no {@code IORING_ENTER_GETEVENTS} with
 * {@code minComplete > 0}, no {@code IORING_ENTER_SQ_WAIT}). Calls that may block on a blocking
 * file descriptor or a wait ({@code connect}, {@code accept4}, {@code close} — which lingers with
 * {@code SO_LINGER} —, {@code read}, {@code write}, the eventfd value calls, {@code epoll_wait}
 * with a timeout, waiting {@code io_uring_enter}, {@code io_uring_setup},
 * {@code io_uring_register}) use ordinary downcalls so the GC is never held up by them.
 *
 * <p>io_uring has no libc wrapper; its three calls go through the variadic
 * {@code long syscall(long number, ...)} with every argument passed as a 64-bit value
 * ({@link Linker.Option#firstVariadicArg firstVariadicArg(1)}). {@code recv}/{@code send} and
 * {@code munmap} take raw addresses, declared as {@code long} in the downcall (the same register
 * as a pointer on LP64), so a direct buffer's address can be passed without creating a segment.
 *
 * <h2>Allocation</h2>
 * The methods documented as allocation-free create no Java object once C2 has compiled the caller.
 * Before that (interpreter, C1) each call allocates one short-lived 40-byte object inside the JDK:
 * its downcall chain re-slices the errno capture segment on every call
 * ({@code SharedUtils.checkCaptureSegment}), which only C2's escape analysis removes. Each
 * invocation site uses a constant (static final) handle so that C2 can inline the whole chain.
 */
public final class Syscalls implements AutoCloseable {

    /** {@link LinuxConstants#PROT_READ}, here for {@link #mmap} callers. */
    public static final int PROT_READ = LinuxConstants.PROT_READ;
    /** {@link LinuxConstants#PROT_WRITE}. */
    public static final int PROT_WRITE = LinuxConstants.PROT_WRITE;
    /** {@link LinuxConstants#MAP_SHARED}. */
    public static final int MAP_SHARED = LinuxConstants.MAP_SHARED;
    /** {@link LinuxConstants#MAP_PRIVATE}. */
    public static final int MAP_PRIVATE = LinuxConstants.MAP_PRIVATE;
    /** {@link LinuxConstants#MAP_ANONYMOUS}. */
    public static final int MAP_ANONYMOUS = LinuxConstants.MAP_ANONYMOUS;
    /** {@link LinuxConstants#MAP_POPULATE}. */
    public static final int MAP_POPULATE = LinuxConstants.MAP_POPULATE;

    private static final int SQ_WAIT = 1 << 2; // IORING_ENTER_SQ_WAIT

    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
            .byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    private final Arena arena;
    private final MemorySegment callState;
    private final MemorySegment sockaddr;
    private final MemorySegment socklen;
    private final MemorySegment eventfdValue;
    private final MemorySegment optval;
    private final MemorySegment epollEvent;

    private Syscalls(Arena arena) {
        this.arena = arena;
        this.callState = arena.allocate(Linker.Option.captureStateLayout());
        this.sockaddr = arena.allocate(SockAddr.STORAGE_SIZE, 8);
        this.socklen = arena.allocate(JAVA_INT);
        this.eventfdValue = arena.allocate(JAVA_LONG);
        this.optval = arena.allocate(16, 8);
        this.epollEvent = arena.allocate(LinuxConstants.EPOLL_EVENT);
    }

    /**
     * Opens an instance for one event loop (used by one thread at a time).
     *
     * @throws UnsupportedOperationException when {@link LinuxPlatform#unavailableReason()} is not null
     */
    public static Syscalls open() {
        String reason = LinuxPlatform.unavailableReason();
        if (reason != null) {
            throw new UnsupportedOperationException("Linux native layer unavailable: " + reason);
        }
        Handles.init();
        // Shared, not confined: an event loop may be created on one thread and run on another,
        // and uses its instance from one thread at a time.
        return new Syscalls(Arena.ofShared());
    }

    /** Frees the scratch memory. Idempotent; not while another thread uses the instance. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** The errno captured by the latest call of this instance (meaningful right after a failure). */
    public int lastErrno() {
        return callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    private int fail() {
        return -callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    private int check(int r) {
        return r == -1 ? fail() : r;
    }

    private long check(long r) {
        return r == -1L ? fail() : r;
    }

    /** The option-value scratch (16 bytes), for {@link SocketOptionCodes}' struct-valued options. */
    MemorySegment optionScratch() {
        return optval;
    }

    // ------------------------------------------------------------------ sockets

    /** {@code socket(2)}: the new fd, or -errno. */
    public int socket(int domain, int type, int protocol) {
        try {
            return check((int) Handles.SOCKET.invokeExact(callState, domain, type, protocol));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code bind(2)}: 0 or -errno. The address is encoded for the socket's own family: an IPv4
     * address given for an {@code AF_INET6} (dual-stack) socket becomes {@code ::ffff:a.b.c.d} — to
     * know, this asks the kernel for {@code SO_DOMAIN} when the address is IPv4; pass the family
     * with {@link #bind(int, InetSocketAddress, int)} to save that call.
     *
     * @throws IllegalArgumentException if {@code address} is unresolved
     */
    public int bind(int fd, InetSocketAddress address) {
        return bind(fd, address, familyFor(fd, address));
    }

    /**
     * {@code bind(2)} for a socket of {@code socketFamily}: with {@code AF_INET6} an IPv4 address is
     * mapped to {@code ::ffff:a.b.c.d}; with {@code AF_INET} or {@code AF_UNSPEC} the address's
     * natural family is used. 0 or -errno.
     */
    public int bind(int fd, InetSocketAddress address, int socketFamily) {
        int len = SockAddr.write(address, sockaddr, socketFamily);
        try {
            return check((int) Handles.BIND.invokeExact(callState, fd, sockaddr, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code listen(2)}: 0 or -errno. */
    public int listen(int fd, int backlog) {
        try {
            return check((int) Handles.LISTEN.invokeExact(callState, fd, backlog));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code connect(2)}: 0, or -errno — for a non-blocking socket typically {@code -EINPROGRESS},
     * after which the fd becomes writable and {@code getsockoptInt(fd, SOL_SOCKET, SO_ERROR)} gives
     * the outcome. The address is encoded for the socket's family as for {@link #bind(int, InetSocketAddress)}.
     *
     * @throws IllegalArgumentException if {@code address} is unresolved
     */
    public int connect(int fd, InetSocketAddress address) {
        return connect(fd, address, familyFor(fd, address));
    }

    /**
     * {@code connect(2)} for a socket of {@code socketFamily} ({@code AF_INET}, {@code AF_INET6}, or
     * {@code AF_UNSPEC} for the address's natural family); see {@link #bind(int, InetSocketAddress, int)}.
     */
    public int connect(int fd, InetSocketAddress address, int socketFamily) {
        int len = SockAddr.write(address, sockaddr, socketFamily);
        try {
            return check((int) Handles.CONNECT.invokeExact(callState, fd, sockaddr, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code accept4(2)} without the peer address ({@link #getpeername} gives it): the new fd, or
     * -errno ({@code -EAGAIN} on a non-blocking listener with nothing pending).
     *
     * @param flags {@link LinuxConstants#SOCK_NONBLOCK} | {@link LinuxConstants#SOCK_CLOEXEC} for the new fd
     */
    public int accept4(int fd, int flags) {
        try {
            return check((int) Handles.ACCEPT4.invokeExact(callState, fd, MemorySegment.NULL, MemorySegment.NULL, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setsockopt(2)} with an {@code int} value: 0 or -errno. */
    public int setsockopt(int fd, int level, int name, int value) {
        optval.set(JAVA_INT, 0, value);
        return setsockopt(fd, level, name, optval, Integer.BYTES);
    }

    /**
     * {@code setsockopt(2)} with a struct value ({@code struct linger}, ...) of {@code len} bytes at
     * the start of the native segment {@code value}: 0 or -errno.
     */
    public int setsockopt(int fd, int level, int name, MemorySegment value, int len) {
        checkLength(value, len);
        try {
            return check((int) Handles.SETSOCKOPT.invokeExact(callState, fd, level, name, value, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getsockopt(2)} of an {@code int} option: its value, or -errno. (Every option this layer
     * reads — flags, buffer sizes, {@code SO_ERROR} — is non-negative, so the two cannot be confused.)
     */
    public int getsockoptInt(int fd, int level, int name) {
        optval.set(JAVA_INT, 0, 0);
        int r = getsockopt(fd, level, name, optval, Integer.BYTES);
        return r < 0 ? r : optval.get(JAVA_INT, 0);
    }

    /**
     * {@code getsockopt(2)} into the first {@code len} bytes of the native segment {@code value}: the
     * length the kernel wrote, or -errno.
     */
    public int getsockopt(int fd, int level, int name, MemorySegment value, int len) {
        checkLength(value, len);
        socklen.set(JAVA_INT, 0, len);
        try {
            int r = check((int) Handles.GETSOCKOPT.invokeExact(callState, fd, level, name, value, socklen));
            return r < 0 ? r : socklen.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockname(2)}: the local address, or null on error ({@link #lastErrno()} says which). */
    public InetSocketAddress getsockname(int fd) {
        socklen.set(JAVA_INT, 0, (int) SockAddr.STORAGE_SIZE);
        try {
            int r = check((int) Handles.GETSOCKNAME.invokeExact(callState, fd, sockaddr, socklen));
            return r < 0 ? null : SockAddr.read(sockaddr, socklen.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getpeername(2)}: the connected peer, or null on error (e.g. {@code ENOTCONN};
     * {@link #lastErrno()} says which).
     */
    public InetSocketAddress getpeername(int fd) {
        socklen.set(JAVA_INT, 0, (int) SockAddr.STORAGE_SIZE);
        try {
            int r = check((int) Handles.GETPEERNAME.invokeExact(callState, fd, sockaddr, socklen));
            return r < 0 ? null : SockAddr.read(sockaddr, socklen.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code shutdown(2)} with {@link LinuxConstants#SHUT_RD}/{@code SHUT_WR}/{@code SHUT_RDWR}: 0 or -errno. */
    public int shutdown(int fd, int how) {
        try {
            return check((int) Handles.SHUTDOWN.invokeExact(callState, fd, how));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code close(2)}: 0 or -errno ({@code -EBADF} for an fd not open). Never retry on
     * {@code -EINTR}: on Linux the fd is released anyway.
     */
    public int close(int fd) {
        try {
            return check((int) Handles.CLOSE.invokeExact(callState, fd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ eventfd

    /** {@code eventfd(2)} with {@link LinuxConstants#EFD_NONBLOCK}/{@code EFD_CLOEXEC}/...: the fd, or -errno. */
    public int eventfd(int initval, int flags) {
        try {
            return check((int) Handles.EVENTFD.invokeExact(callState, initval, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Adds {@code value} to an eventfd's counter ({@code write(2)} of 8 bytes): 8, or -errno
     * ({@code -EAGAIN} if the counter would overflow on a non-blocking eventfd). Allocation-free.
     */
    public int eventfdWrite(int fd, long value) {
        eventfdValue.set(JAVA_LONG, 0, value);
        try {
            return (int) check((long) Handles.WRITE.invokeExact(callState, fd, eventfdValue, 8L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Reads and resets an eventfd's counter ({@code read(2)} of 8 bytes): the counter (positive), or
     * -errno ({@code -EAGAIN} when zero on a non-blocking eventfd). Allocation-free. (A counter at or
     * above 2<sup>63</sup> would read as negative; ringnet's wakeups never get near it.)
     */
    public long eventfdRead(int fd) {
        try {
            long r = check((long) Handles.READ.invokeExact(callState, fd, eventfdValue, 8L));
            return r < 0 ? r : eventfdValue.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Adds 1 to an eventfd's counter from <em>any</em> thread: the cross-thread wake-up of a loop.
     * Static and thread-safe — it uses no instance scratch (the value comes from a constant, never
     * written, global segment) and captures no errno. Allocation-free.
     *
     * @return 8, or -1 on failure ({@code EAGAIN} if the counter is saturated, which still leaves
     *         the eventfd readable; {@code EBADF} if {@code fd} is closed — the caller must make sure
     *         a closed fd number cannot have been reused)
     */
    public static int eventfdSignal(int fd) {
        try {
            return (int) (long) Signal.WRITE.invokeExact(fd, Signal.ONE, 8L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code close(2)} from any thread, without an instance: for a socket that no loop will own
     * any more. Returns 0 or -1.
     */
    public static int closeFd(int fd) {
        try {
            return (int) Signal.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The state of {@link #eventfdSignal} and {@link #closeFd}, created on first use. */
    @SuppressWarnings("restricted") // native access is checked by LinuxPlatform before any instance exists
    private static final class Signal {
        static final MemorySegment ONE = Arena.global().allocate(JAVA_LONG).fill((byte) 0);
        static final MethodHandle WRITE;
        static final MethodHandle CLOSE;

        static {
            ONE.set(JAVA_LONG, 0, 1L);
            Linker linker = Linker.nativeLinker();
            WRITE = linker.downcallHandle(linker.defaultLookup().find("write").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
            CLOSE = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        }

        private Signal() {
        }
    }

    // ------------------------------------------------------------------ data

    /** {@code read(2)} of up to {@code len} bytes into the native segment {@code buf}: bytes read (0 at EOF), or -errno. */
    public long read(int fd, MemorySegment buf, long len) {
        checkLength(buf, len);
        try {
            return check((long) Handles.READ.invokeExact(callState, fd, buf, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(2)} of {@code len} bytes from the native segment {@code buf}: bytes written, or -errno. */
    public long write(int fd, MemorySegment buf, long len) {
        checkLength(buf, len);
        try {
            return check((long) Handles.WRITE.invokeExact(callState, fd, buf, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recv(2)} into native memory at {@code address} (e.g.
     * {@code MemorySegment.ofBuffer(directBuffer).address()}, which already starts at the buffer's
     * position); bytes received (0 at EOF),
     * or -errno. The caller guarantees {@code len} bytes are writable there. With
     * {@link LinuxConstants#MSG_DONTWAIT} in {@code flags} the call is a critical (cheaper) downcall;
     * the epoll backend should pass it even on non-blocking sockets. Allocation-free.
     */
    public long recv(int fd, long address, int len, int flags) {
        try {
            // Two call sites, each with a constant handle, so C2 inlines the whole downcall chain.
            if ((flags & LinuxConstants.MSG_DONTWAIT) != 0) {
                return check((long) Handles.RECV_CRITICAL.invokeExact(callState, fd, address, (long) len, flags));
            }
            return check((long) Handles.RECV.invokeExact(callState, fd, address, (long) len, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code send(2)} from native memory at {@code address}; bytes sent, or -errno. Pass
     * {@link LinuxConstants#MSG_NOSIGNAL} to get {@code -EPIPE} rather than SIGPIPE (the JVM ignores
     * SIGPIPE, but other code in the process may not). {@code MSG_DONTWAIT} makes it a critical
     * downcall as for {@link #recv}. Allocation-free.
     */
    public long send(int fd, long address, int len, int flags) {
        try {
            if ((flags & LinuxConstants.MSG_DONTWAIT) != 0) {
                return check((long) Handles.SEND_CRITICAL.invokeExact(callState, fd, address, (long) len, flags));
            }
            return check((long) Handles.SEND.invokeExact(callState, fd, address, (long) len, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvfrom(2)} of one datagram (or stream bytes) into native memory at {@code address};
     * bytes received, or -errno. The sender's address is written to {@code from} — native memory of
     * at least {@link SockAddr#STORAGE_SIZE} bytes, owned by the caller — and its length to the
     * {@code socklen_t} at the start of the native segment {@code fromLen} (decode both with
     * {@link SockAddr#read}). A datagram longer than {@code len} is truncated to it. With
     * {@link LinuxConstants#MSG_DONTWAIT} in {@code flags} the call is a critical downcall, as for
     * {@link #recv}. Allocation-free.
     */
    public long recvfrom(int fd, long address, int len, int flags, MemorySegment from, MemorySegment fromLen) {
        checkLength(from, SockAddr.STORAGE_SIZE);
        checkLength(fromLen, Integer.BYTES);
        fromLen.set(JAVA_INT, 0, (int) SockAddr.STORAGE_SIZE);
        try {
            if ((flags & LinuxConstants.MSG_DONTWAIT) != 0) {
                return check((long) Handles.RECVFROM_CRITICAL.invokeExact(callState, fd, address, (long) len, flags, from, fromLen));
            }
            return check((long) Handles.RECVFROM.invokeExact(callState, fd, address, (long) len, flags, from, fromLen));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code sendto(2)} of {@code len} bytes from native memory at {@code address} to the socket
     * address in the first {@code toLen} bytes of the native segment {@code to} (encoded with
     * {@link SockAddr#write}); bytes sent, or -errno. Pass {@link LinuxConstants#MSG_NOSIGNAL} as for
     * {@link #send}; {@link LinuxConstants#MSG_DONTWAIT} makes it a critical downcall. Allocation-free.
     */
    public long sendto(int fd, long address, int len, int flags, MemorySegment to, int toLen) {
        checkLength(to, toLen);
        try {
            if ((flags & LinuxConstants.MSG_DONTWAIT) != 0) {
                return check((long) Handles.SENDTO_CRITICAL.invokeExact(callState, fd, address, (long) len, flags, to, toLen));
            }
            return check((long) Handles.SENDTO.invokeExact(callState, fd, address, (long) len, flags, to, toLen));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ io_uring

    /**
     * {@code io_uring_setup(2)}: the ring fd, or -errno ({@code -ENOSYS} without io_uring,
     * {@code -EPERM} when disabled by sysctl or seccomp, {@code -ENOMEM} over the locked-memory
     * limit on old kernels).
     *
     * @param params a native {@code struct io_uring_params} of at least
     *               {@value LinuxConstants#IO_URING_PARAMS_SIZE} bytes, filled in by the kernel
     */
    public int ioUringSetup(int entries, MemorySegment params) {
        checkLength(params, LinuxConstants.IO_URING_PARAMS_SIZE);
        try {
            return (int) check((long) Handles.IO_URING_SETUP.invokeExact(callState,
                    LinuxConstants.SYS_IO_URING_SETUP, Integer.toUnsignedLong(entries), params));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code io_uring_enter(2)}: the number of SQEs consumed, or -errno ({@code -EINTR} when a signal
     * interrupted a wait, {@code -ETIME} when an {@code IORING_ENTER_EXT_ARG} timeout expired,
     * {@code -EBUSY}/{@code -EAGAIN} when the CQ ring is overflowing). Does not wait, and then runs as
     * a critical downcall, unless {@code flags} has {@code IORING_ENTER_GETEVENTS} and
     * {@code minComplete > 0} (or {@code IORING_ENTER_SQ_WAIT}). Allocation-free.
     *
     * @param arg {@link MemorySegment#NULL}, a sigset, or with {@code IORING_ENTER_EXT_ARG} a native
     *            {@code struct io_uring_getevents_arg}
     */
    public int ioUringEnter(int fd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        boolean waits = (flags & SQ_WAIT) != 0
                || ((flags & LinuxConstants.IORING_ENTER_GETEVENTS) != 0 && minComplete != 0);
        long ufd = Integer.toUnsignedLong(fd);
        long submit = Integer.toUnsignedLong(toSubmit);
        long min = Integer.toUnsignedLong(minComplete);
        long uflags = Integer.toUnsignedLong(flags);
        try {
            if (waits) {
                return (int) check((long) Handles.IO_URING_ENTER.invokeExact(callState,
                        LinuxConstants.SYS_IO_URING_ENTER, ufd, submit, min, uflags, arg, argSize));
            }
            return (int) check((long) Handles.IO_URING_ENTER_CRITICAL.invokeExact(callState,
                    LinuxConstants.SYS_IO_URING_ENTER, ufd, submit, min, uflags, arg, argSize));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code io_uring_enter(2)} without errno capture, for the event loop's hot path: the kernel's
     * result, or -1 on failure with the errno not known. A caller that sees -1 asks again through
     * {@link #ioUringEnter} (not waiting) to learn whether the ring itself is in trouble; the usual
     * -1s (a wait that timed out or was interrupted) are harmless. Allocation-free whatever the JIT
     * does.
     */
    public int ioUringEnterRaw(int fd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        boolean waits = (flags & SQ_WAIT) != 0
                || ((flags & LinuxConstants.IORING_ENTER_GETEVENTS) != 0 && minComplete != 0);
        long ufd = Integer.toUnsignedLong(fd);
        long submit = Integer.toUnsignedLong(toSubmit);
        long min = Integer.toUnsignedLong(minComplete);
        long uflags = Integer.toUnsignedLong(flags);
        try {
            if (waits) {
                return (int) (long) Handles.IO_URING_ENTER_RAW.invokeExact(LinuxConstants.SYS_IO_URING_ENTER,
                        ufd, submit, min, uflags, arg, argSize);
            }
            return (int) (long) Handles.IO_URING_ENTER_RAW_CRITICAL.invokeExact(LinuxConstants.SYS_IO_URING_ENTER,
                    ufd, submit, min, uflags, arg, argSize);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code io_uring_register(2)}: the opcode's result (often 0), or -errno.
     *
     * @param arg {@link MemorySegment#NULL} or native memory the opcode reads or fills
     */
    public int ioUringRegister(int fd, int opcode, MemorySegment arg, int nrArgs) {
        try {
            return (int) check((long) Handles.IO_URING_REGISTER.invokeExact(callState,
                    LinuxConstants.SYS_IO_URING_REGISTER, Integer.toUnsignedLong(fd), Integer.toUnsignedLong(opcode),
                    arg, Integer.toUnsignedLong(nrArgs)));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ memory

    /**
     * {@code mmap(2)} of {@code len} bytes at an address the kernel picks (for io_uring: the ring fd
     * with offset {@link LinuxConstants#IORING_OFF_SQ_RING} etc.; for anonymous memory fd -1 and
     * {@link LinuxConstants#MAP_ANONYMOUS}).
     *
     * <p>Ownership: the mapping belongs to the caller and outlives this object; the returned segment
     * has the global scope, so the caller must stop using it before {@link #munmap} it.
     *
     * @return a segment of exactly {@code len} bytes
     * @throws IOException on {@code MAP_FAILED}, its message naming the errno
     */
    @SuppressWarnings("restricted") // sizing the kernel's mapping to what was asked for
    public MemorySegment mmap(long len, int prot, int flags, int fd, long offset) throws IOException {
        MemorySegment p;
        try {
            p = (MemorySegment) Handles.MMAP.invokeExact(callState, MemorySegment.NULL, len, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (p.address() == -1L) {
            int errno = lastErrno();
            throw new IOException("mmap of " + len + " bytes failed: " + Errno.description(errno) + " ("
                    + Errno.name(errno) + ")");
        }
        return p.reinterpret(len);
    }

    /** {@code munmap(2)} of the whole segment (from {@link #mmap}): 0 or -errno. */
    public int munmap(MemorySegment segment) {
        try {
            return check((int) Handles.MUNMAP.invokeExact(callState, segment.address(), segment.byteSize()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ epoll

    /** {@code epoll_create1(2)} with 0 or {@link LinuxConstants#EPOLL_CLOEXEC}: the fd, or -errno. */
    public int epollCreate1(int flags) {
        try {
            return check((int) Handles.EPOLL_CREATE1.invokeExact(callState, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code epoll_ctl(2)}: registers ({@link LinuxConstants#EPOLL_CTL_ADD}), changes
     * ({@code EPOLL_CTL_MOD}) or removes ({@code EPOLL_CTL_DEL}, where events and data are ignored)
     * {@code fd}; {@code data} comes back with each of its events. 0 or -errno. Allocation-free.
     */
    public int epollCtl(int epfd, int op, int fd, int events, long data) {
        LinuxConstants.setEpollEvent(epollEvent, 0, events, data);
        try {
            return check((int) Handles.EPOLL_CTL.invokeExact(callState, epfd, op, fd, epollEvent));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code epoll_wait(2)}: the number of ready entries written to {@code events} (read them with
     * {@link LinuxConstants#epollEvents} / {@link LinuxConstants#epollData}), 0 on timeout, or -errno
     * ({@code -EINTR} on a signal). A zero timeout runs as a critical downcall. Allocation-free.
     *
     * @param events native memory for at least {@code max} {@link LinuxConstants#EPOLL_EVENT}s
     * @param timeoutMs 0 to poll, -1 to wait indefinitely
     */
    public int epollWait(int epfd, MemorySegment events, int max, int timeoutMs) {
        checkLength(events, max * LinuxConstants.EPOLL_EVENT_SIZE);
        try {
            if (timeoutMs == 0) {
                return check((int) Handles.EPOLL_WAIT_CRITICAL.invokeExact(callState, epfd, events, max, 0));
            }
            return check((int) Handles.EPOLL_WAIT.invokeExact(callState, epfd, events, max, timeoutMs));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** AF_INET6 when an IPv4 address goes to an AF_INET6 socket (asked via SO_DOMAIN), else AF_UNSPEC. */
    private int familyFor(int fd, InetSocketAddress address) {
        if (address.getAddress() instanceof Inet4Address) {
            int domain = getsockoptInt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_DOMAIN);
            if (domain == LinuxConstants.AF_INET6) {
                return LinuxConstants.AF_INET6;
            }
        }
        return LinuxConstants.AF_UNSPEC;
    }

    private static void checkLength(MemorySegment segment, long len) {
        if (len < 0 || len > segment.byteSize()) {
            throw new IndexOutOfBoundsException("length " + len + " outside a segment of " + segment.byteSize() + " bytes");
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", t);
    }

    /** The downcall handles, created once when this class is first initialised. */
    @SuppressWarnings("restricted") // native access is checked by LinuxPlatform before open() gets here
    private static final class Handles {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
        private static final Linker.Option CRITICAL = Linker.Option.critical(false);

        static final MethodHandle SOCKET = bind("socket", true, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle BIND = bind("bind", true, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle LISTEN = bind("listen", true, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle CONNECT = bind("connect", false, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ACCEPT4 = bind("accept4", false,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle SETSOCKOPT = bind("setsockopt", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle GETSOCKOPT = bind("getsockopt", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle GETSOCKNAME = bind("getsockname", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle GETPEERNAME = bind("getpeername", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SHUTDOWN = bind("shutdown", true, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle CLOSE = bind("close", false, FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle EVENTFD = bind("eventfd", true, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle READ = bind("read", false, FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle WRITE = bind("write", false, FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

        // recv/send: the buffer pointer is declared as a long (LP64: same register as void*).
        private static final FunctionDescriptor XFER = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
        static final MethodHandle RECV = bind("recv", false, XFER);
        static final MethodHandle RECV_CRITICAL = bind("recv", true, XFER);
        static final MethodHandle SEND = bind("send", false, XFER);
        static final MethodHandle SEND_CRITICAL = bind("send", true, XFER);
        // recvfrom/sendto: the buffer pointer as a long like recv/send; the sockaddr as a segment.
        private static final FunctionDescriptor XFER_FROM = FunctionDescriptor.of(JAVA_LONG,
                JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle RECVFROM = bind("recvfrom", false, XFER_FROM);
        static final MethodHandle RECVFROM_CRITICAL = bind("recvfrom", true, XFER_FROM);
        private static final FunctionDescriptor XFER_TO = FunctionDescriptor.of(JAVA_LONG,
                JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle SENDTO = bind("sendto", false, XFER_TO);
        static final MethodHandle SENDTO_CRITICAL = bind("sendto", true, XFER_TO);

        // long syscall(long number, ...): every variadic argument a 64-bit value.
        static final MethodHandle IO_URING_SETUP = bind("syscall", false,
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(1));
        private static final FunctionDescriptor ENTER = FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle IO_URING_ENTER = bind("syscall", false, ENTER, Linker.Option.firstVariadicArg(1));
        static final MethodHandle IO_URING_ENTER_CRITICAL = bind("syscall", true, ENTER, Linker.Option.firstVariadicArg(1));
        // Without errno capture: the capture segment is re-sliced on every call inside the JDK,
        // an allocation only escape analysis removes, and it does not always (profile pollution).
        static final MethodHandle IO_URING_ENTER_RAW = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(), ENTER, Linker.Option.firstVariadicArg(1));
        static final MethodHandle IO_URING_ENTER_RAW_CRITICAL = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(), ENTER, Linker.Option.firstVariadicArg(1),
                CRITICAL);
        static final MethodHandle IO_URING_REGISTER = bind("syscall", false,
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));

        static final MethodHandle MMAP = bind("mmap", true,
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle MUNMAP = bind("munmap", true, FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));

        static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", true, FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle EPOLL_CTL = bind("epoll_ctl", true,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        private static final FunctionDescriptor WAIT = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        static final MethodHandle EPOLL_WAIT = bind("epoll_wait", false, WAIT);
        static final MethodHandle EPOLL_WAIT_CRITICAL = bind("epoll_wait", true, WAIT);

        private Handles() {
        }

        /** Forces class initialisation (creating every handle). */
        static void init() {
        }

        private static MethodHandle bind(String name, boolean critical, FunctionDescriptor descriptor,
                                         Linker.Option... extra) {
            MemorySegment symbol = LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
            Linker.Option[] options = new Linker.Option[extra.length + (critical ? 2 : 1)];
            int i = 0;
            options[i++] = ERRNO;
            if (critical) {
                options[i++] = CRITICAL;
            }
            for (Linker.Option o : extra) {
                options[i++] = o;
            }
            return LINKER.downcallHandle(symbol, descriptor, options);
        }
    }
}
