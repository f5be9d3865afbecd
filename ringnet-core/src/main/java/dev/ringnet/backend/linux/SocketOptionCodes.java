package dev.ringnet.backend.linux;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketOption;
import java.net.StandardSocketOptions;

/**
 * Maps {@link StandardSocketOptions} to Linux {@code (level, optname)} pairs and converts values
 * between their Java and kernel forms.
 *
 * <p>Supported: {@code SO_REUSEADDR}, {@code SO_REUSEPORT}, {@code SO_KEEPALIVE}, {@code SO_RCVBUF},
 * {@code SO_SNDBUF}, {@code SO_BROADCAST}, {@code SO_LINGER}, {@code TCP_NODELAY}, {@code IP_TOS}
 * ({@code IPV6_TCLASS} on an IPv6 socket), {@code IP_MULTICAST_TTL} ({@code IPV6_MULTICAST_HOPS}),
 * {@code IP_MULTICAST_LOOP} ({@code IPV6_MULTICAST_LOOP}). Java has no standard option for
 * {@code IPV6_V6ONLY}; its code is {@link #IPV6_V6ONLY_CODE} for raw {@link Syscalls#setsockopt}.
 * Anything else throws {@link UnsupportedOperationException} naming the option.
 *
 * <p>Values: {@code Boolean} becomes 0/1, {@code Integer} is passed as is (buffer sizes, TOS and TTL
 * are range-checked like {@code java.net} does). {@code SO_LINGER} is a {@code struct linger
 * {int l_onoff; int l_linger;}}: a negative value disables lingering, 0..65535 enables it with that
 * many seconds (larger values are capped at 65535, as {@code java.net} does); reading it gives -1
 * when disabled.
 *
 * <p>Thread rules: the static lookup and conversion methods may be called from any thread;
 * {@link #set} and {@link #get} use the given {@link Syscalls} and so run on its owner thread.
 * Ownership: nothing is retained.
 */
public final class SocketOptionCodes {
    private SocketOptionCodes() {
    }

    public static final int SO_REUSEADDR = 2;
    public static final int SO_BROADCAST = 6;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int TCP_NODELAY = 1;
    public static final int IP_TOS = 1;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPV6_TCLASS = 67;

    /** {@code sizeof(struct linger)}. */
    public static final int LINGER_SIZE = 8;

    /** How a value travels. */
    public enum Kind {
        /** {@code Boolean} as an int 0/1. */
        BOOLEAN,
        /** {@code Integer} as an int. */
        INT,
        /** {@code Integer} seconds as {@code struct linger}. */
        LINGER
    }

    /** A kernel option: its {@code level}, its {@code optname} and how its value is encoded. */
    public record Code(int level, int name, Kind kind) {
    }

    /** {@code IPV6_V6ONLY} (boolean) for an {@code AF_INET6} socket. */
    public static final Code IPV6_V6ONLY_CODE = new Code(LinuxConstants.IPPROTO_IPV6, IPV6_V6ONLY, Kind.BOOLEAN);

    private static final Code REUSEADDR = new Code(LinuxConstants.SOL_SOCKET, SO_REUSEADDR, Kind.BOOLEAN);
    private static final Code REUSEPORT = new Code(LinuxConstants.SOL_SOCKET, SO_REUSEPORT, Kind.BOOLEAN);
    private static final Code KEEPALIVE = new Code(LinuxConstants.SOL_SOCKET, SO_KEEPALIVE, Kind.BOOLEAN);
    private static final Code RCVBUF = new Code(LinuxConstants.SOL_SOCKET, SO_RCVBUF, Kind.INT);
    private static final Code SNDBUF = new Code(LinuxConstants.SOL_SOCKET, SO_SNDBUF, Kind.INT);
    private static final Code BROADCAST = new Code(LinuxConstants.SOL_SOCKET, SO_BROADCAST, Kind.BOOLEAN);
    private static final Code LINGER = new Code(LinuxConstants.SOL_SOCKET, SO_LINGER, Kind.LINGER);
    private static final Code NODELAY = new Code(LinuxConstants.IPPROTO_TCP, TCP_NODELAY, Kind.BOOLEAN);
    private static final Code TOS4 = new Code(LinuxConstants.IPPROTO_IP, IP_TOS, Kind.INT);
    private static final Code TOS6 = new Code(LinuxConstants.IPPROTO_IPV6, IPV6_TCLASS, Kind.INT);
    private static final Code TTL4 = new Code(LinuxConstants.IPPROTO_IP, IP_MULTICAST_TTL, Kind.INT);
    private static final Code TTL6 = new Code(LinuxConstants.IPPROTO_IPV6, IPV6_MULTICAST_HOPS, Kind.INT);
    private static final Code LOOP4 = new Code(LinuxConstants.IPPROTO_IP, IP_MULTICAST_LOOP, Kind.BOOLEAN);
    private static final Code LOOP6 = new Code(LinuxConstants.IPPROTO_IPV6, IPV6_MULTICAST_LOOP, Kind.BOOLEAN);

    /**
     * The kernel code of {@code option} for a socket of the given family.
     *
     * @param ipv6 whether the socket is {@code AF_INET6} (selects the IPv6 variant of IP-level options)
     * @throws UnsupportedOperationException for an option not listed in the class documentation
     */
    public static Code code(SocketOption<?> option, boolean ipv6) {
        if (option == StandardSocketOptions.SO_REUSEADDR) {
            return REUSEADDR;
        } else if (option == StandardSocketOptions.SO_REUSEPORT) {
            return REUSEPORT;
        } else if (option == StandardSocketOptions.SO_KEEPALIVE) {
            return KEEPALIVE;
        } else if (option == StandardSocketOptions.SO_RCVBUF) {
            return RCVBUF;
        } else if (option == StandardSocketOptions.SO_SNDBUF) {
            return SNDBUF;
        } else if (option == StandardSocketOptions.SO_BROADCAST) {
            return BROADCAST;
        } else if (option == StandardSocketOptions.SO_LINGER) {
            return LINGER;
        } else if (option == StandardSocketOptions.TCP_NODELAY) {
            return NODELAY;
        } else if (option == StandardSocketOptions.IP_TOS) {
            return ipv6 ? TOS6 : TOS4;
        } else if (option == StandardSocketOptions.IP_MULTICAST_TTL) {
            return ipv6 ? TTL6 : TTL4;
        } else if (option == StandardSocketOptions.IP_MULTICAST_LOOP) {
            return ipv6 ? LOOP6 : LOOP4;
        }
        throw new UnsupportedOperationException("Socket option not supported by the Linux backend: "
                + (option == null ? "null" : option.name()));
    }

    /** Whether {@link #code} knows {@code option}. */
    public static boolean isSupported(SocketOption<?> option) {
        try {
            code(option, false);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The kernel int for a Java value: 0/1 for booleans; the int for integers; for
     * {@code SO_LINGER} -1 (disabled) or the seconds, capped at 65535.
     *
     * @throws IllegalArgumentException for a null or wrongly typed value, a negative buffer size, a
     *                                  TOS or TTL outside 0..255
     */
    public static int toNative(SocketOption<?> option, Object value) {
        Code code = code(option, false);
        if (value == null) {
            throw new IllegalArgumentException("null value for " + option.name());
        }
        switch (code.kind()) {
            case BOOLEAN -> {
                if (!(value instanceof Boolean b)) {
                    throw new IllegalArgumentException(option.name() + " takes a Boolean, not " + value.getClass().getName());
                }
                return b ? 1 : 0;
            }
            case INT, LINGER -> {
                if (!(value instanceof Integer i)) {
                    throw new IllegalArgumentException(option.name() + " takes an Integer, not " + value.getClass().getName());
                }
                int v = i;
                if (code.kind() == Kind.LINGER) {
                    return v < 0 ? -1 : Math.min(v, 65535);
                }
                if ((option == StandardSocketOptions.SO_RCVBUF || option == StandardSocketOptions.SO_SNDBUF) && v < 0) {
                    throw new IllegalArgumentException(option.name() + " must not be negative: " + v);
                }
                if ((option == StandardSocketOptions.IP_TOS || option == StandardSocketOptions.IP_MULTICAST_TTL)
                        && (v < 0 || v > 255)) {
                    throw new IllegalArgumentException(option.name() + " must be in 0..255: " + v);
                }
                return v;
            }
            default -> throw new AssertionError(code.kind());
        }
    }

    /** The Java value of a kernel int (as {@link #toNative} encodes it). */
    public static <T> T fromNative(SocketOption<T> option, int value) {
        Code code = code(option, false);
        Object v = switch (code.kind()) {
            case BOOLEAN -> value != 0;
            case INT, LINGER -> value;
        };
        return option.type().cast(v);
    }

    /**
     * Sets {@code option} on {@code fd}, asking the kernel for the socket's family
     * ({@code SO_DOMAIN}) only when the option has an IPv6 variant ({@code IP_TOS},
     * {@code IP_MULTICAST_TTL}, {@code IP_MULTICAST_LOOP}).
     *
     * @return 0 or -errno
     * @throws UnsupportedOperationException for an unknown option
     * @throws IllegalArgumentException for a bad value (see {@link #toNative})
     */
    public static <T> int set(Syscalls sys, int fd, SocketOption<T> option, T value) {
        code(option, false); // unknown options fail before any system call
        boolean ipv6 = false;
        if (familyDependent(option)) {
            int domain = sys.getsockoptInt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_DOMAIN);
            if (domain < 0) {
                return domain;
            }
            ipv6 = domain == LinuxConstants.AF_INET6;
        }
        return set(sys, fd, ipv6, option, value);
    }

    /**
     * Reads {@code option} of {@code fd}, asking the kernel for the socket's family as
     * {@link #set(Syscalls, int, SocketOption, Object)} does.
     *
     * @throws IOException from {@link Errno#toException} when the kernel fails a call
     * @throws UnsupportedOperationException for an unknown option
     */
    public static <T> T get(Syscalls sys, int fd, SocketOption<T> option) throws IOException {
        code(option, false);
        boolean ipv6 = false;
        if (familyDependent(option)) {
            int domain = sys.getsockoptInt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_DOMAIN);
            if (domain < 0) {
                throw Errno.toException(-domain, "getsockopt(SO_DOMAIN)");
            }
            ipv6 = domain == LinuxConstants.AF_INET6;
        }
        return get(sys, fd, ipv6, option);
    }

    private static boolean familyDependent(SocketOption<?> option) {
        return option == StandardSocketOptions.IP_TOS || option == StandardSocketOptions.IP_MULTICAST_TTL
                || option == StandardSocketOptions.IP_MULTICAST_LOOP;
    }

    /**
     * Sets {@code option} on {@code fd} with {@code sys} (its owner thread only). On an IPv6 socket
     * {@code IP_TOS} sets {@code IPV6_TCLASS} and, best effort, {@code IP_TOS} too, so IPv4 traffic
     * of a dual-stack socket is marked as well (as {@code java.nio} does).
     *
     * @param ipv6 whether {@code fd} is an {@code AF_INET6} socket
     * @return 0 or -errno
     * @throws UnsupportedOperationException for an unknown option
     * @throws IllegalArgumentException for a bad value (see {@link #toNative})
     */
    public static <T> int set(Syscalls sys, int fd, boolean ipv6, SocketOption<T> option, T value) {
        Code code = code(option, ipv6);
        int v = toNative(option, value);
        if (code.kind() == Kind.LINGER) {
            MemorySegment linger = sys.optionScratch();
            linger.set(ValueLayout.JAVA_INT, 0, v < 0 ? 0 : 1); // l_onoff
            linger.set(ValueLayout.JAVA_INT, 4, v < 0 ? 0 : v); // l_linger
            return sys.setsockopt(fd, code.level(), code.name(), linger, LINGER_SIZE);
        }
        int r = sys.setsockopt(fd, code.level(), code.name(), v);
        if (r == 0 && code == TOS6) {
            sys.setsockopt(fd, LinuxConstants.IPPROTO_IP, IP_TOS, v); // dual stack; fails harmlessly on v6-only
        }
        return r;
    }

    /**
     * Reads {@code option} of {@code fd} with {@code sys} (its owner thread only).
     *
     * @param ipv6 whether {@code fd} is an {@code AF_INET6} socket
     * @throws IOException from {@link Errno#toException} when the kernel fails the call
     * @throws UnsupportedOperationException for an unknown option
     */
    public static <T> T get(Syscalls sys, int fd, boolean ipv6, SocketOption<T> option) throws IOException {
        Code code = code(option, ipv6);
        if (code.kind() == Kind.LINGER) {
            MemorySegment linger = sys.optionScratch();
            linger.set(ValueLayout.JAVA_LONG, 0, 0L);
            int r = sys.getsockopt(fd, code.level(), code.name(), linger, LINGER_SIZE);
            if (r < 0) {
                throw Errno.toException(-r, "getsockopt(" + option.name() + ")");
            }
            int on = linger.get(ValueLayout.JAVA_INT, 0);
            return option.type().cast(on == 0 ? -1 : linger.get(ValueLayout.JAVA_INT, 4));
        }
        int r = sys.getsockoptInt(fd, code.level(), code.name());
        if (r < 0) {
            throw Errno.toException(-r, "getsockopt(" + option.name() + ")");
        }
        return fromNative(option, r);
    }
}
