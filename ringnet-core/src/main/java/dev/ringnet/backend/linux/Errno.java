package dev.ringnet.backend.linux;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;

/**
 * Linux {@code errno} values that networking code meets, their names, and their translation into
 * the exceptions a Java user expects from {@code java.net} / {@code java.nio}.
 *
 * <p>The values are those of {@code asm-generic/errno-base.h} and {@code asm-generic/errno.h},
 * which both x86_64 and aarch64 use unchanged. {@link Syscalls} reports failures as {@code -errno};
 * callers negate before looking a value up here.
 *
 * <p>Thread rules: stateless, every method may be called from any thread. Ownership: every
 * exception returned is new and belongs to the caller.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    /** Same value as {@link #EAGAIN} on Linux. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ENODATA = 61;
    public static final int ETIME = 62;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int EPROTOTYPE = 91;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int ESOCKTNOSUPPORT = 94;
    public static final int EOPNOTSUPP = 95;
    /** Same value as {@link #EOPNOTSUPP} on Linux. */
    public static final int ENOTSUP = EOPNOTSUPP;
    public static final int EPFNOSUPPORT = 96;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ENETRESET = 102;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ESHUTDOWN = 108;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ECANCELED = 125;

    /** Index = errno; {name, description}. Filled once in the static initializer, never changed. */
    private static final String[][] TABLE = new String[ECANCELED + 1][];

    static {
        def(EPERM, "EPERM", "Operation not permitted");
        def(ENOENT, "ENOENT", "No such file or directory");
        def(EINTR, "EINTR", "Interrupted system call");
        def(EIO, "EIO", "Input/output error");
        def(EBADF, "EBADF", "Bad file descriptor");
        def(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        def(ENOMEM, "ENOMEM", "Cannot allocate memory");
        def(EACCES, "EACCES", "Permission denied");
        def(EFAULT, "EFAULT", "Bad address");
        def(EBUSY, "EBUSY", "Device or resource busy");
        def(EEXIST, "EEXIST", "File exists");
        def(ENODEV, "ENODEV", "No such device");
        def(EINVAL, "EINVAL", "Invalid argument");
        def(ENFILE, "ENFILE", "Too many open files in system");
        def(EMFILE, "EMFILE", "Too many open files");
        def(ENOSPC, "ENOSPC", "No space left on device");
        def(EPIPE, "EPIPE", "Broken pipe");
        def(ERANGE, "ERANGE", "Numerical result out of range");
        def(ENOSYS, "ENOSYS", "Function not implemented");
        def(ENODATA, "ENODATA", "No data available");
        def(ETIME, "ETIME", "Timer expired");
        def(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type");
        def(ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket");
        def(EDESTADDRREQ, "EDESTADDRREQ", "Destination address required");
        def(EMSGSIZE, "EMSGSIZE", "Message too long");
        def(EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket");
        def(ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available");
        def(EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported");
        def(ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "Socket type not supported");
        def(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        def(EPFNOSUPPORT, "EPFNOSUPPORT", "Protocol family not supported");
        def(EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol");
        def(EADDRINUSE, "EADDRINUSE", "Address already in use");
        def(EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address");
        def(ENETDOWN, "ENETDOWN", "Network is down");
        def(ENETUNREACH, "ENETUNREACH", "Network is unreachable");
        def(ENETRESET, "ENETRESET", "Network dropped connection on reset");
        def(ECONNABORTED, "ECONNABORTED", "Software caused connection abort");
        def(ECONNRESET, "ECONNRESET", "Connection reset by peer");
        def(ENOBUFS, "ENOBUFS", "No buffer space available");
        def(EISCONN, "EISCONN", "Transport endpoint is already connected");
        def(ENOTCONN, "ENOTCONN", "Transport endpoint is not connected");
        def(ESHUTDOWN, "ESHUTDOWN", "Cannot send after transport endpoint shutdown");
        def(ETIMEDOUT, "ETIMEDOUT", "Connection timed out");
        def(ECONNREFUSED, "ECONNREFUSED", "Connection refused");
        def(EHOSTDOWN, "EHOSTDOWN", "Host is down");
        def(EHOSTUNREACH, "EHOSTUNREACH", "No route to host");
        def(EALREADY, "EALREADY", "Operation already in progress");
        def(EINPROGRESS, "EINPROGRESS", "Operation now in progress");
        def(ECANCELED, "ECANCELED", "Operation canceled");
    }

    private Errno() {
    }

    private static void def(int errno, String name, String description) {
        TABLE[errno] = new String[] {name, description};
    }

    /**
     * The symbolic name ({@code "ECONNRESET"}) of an errno. A negative argument is treated as the
     * {@code -errno} form {@link Syscalls} returns. Unknown values give {@code "errno <n>"}.
     */
    public static String name(int errno) {
        int e = Math.abs(errno);
        if (e < TABLE.length && TABLE[e] != null) {
            return TABLE[e][0];
        }
        return "errno " + e;
    }

    /**
     * A {@code strerror}-like description ({@code "Connection reset by peer"}); negative arguments
     * are treated as {@code -errno}. Unknown values give {@code "Unknown error <n>"}.
     */
    public static String description(int errno) {
        int e = Math.abs(errno);
        if (e < TABLE.length && TABLE[e] != null) {
            return TABLE[e][1];
        }
        return "Unknown error " + e;
    }

    /**
     * The exception a Java user expects for a failed operation:
     * <ul>
     *   <li>{@code ECONNREFUSED} → {@link ConnectException} ("Connection refused")</li>
     *   <li>{@code ECONNRESET} → {@link SocketException} ("Connection reset by peer")</li>
     *   <li>{@code EPIPE} → {@link SocketException} ("Broken pipe")</li>
     *   <li>{@code ETIMEDOUT} → {@link SocketTimeoutException}</li>
     *   <li>{@code EADDRINUSE}, {@code EADDRNOTAVAIL} → {@link BindException}</li>
     *   <li>{@code ENETUNREACH}, {@code EHOSTUNREACH} → {@link NoRouteToHostException}</li>
     *   <li>{@code EBADF} → {@link ClosedChannelException}, whose cause carries the operation and
     *       errno</li>
     *   <li>anything else → {@link IOException}("{@code <operation> failed: <description> (NAME)}")</li>
     * </ul>
     * {@code ECANCELED} is not special here: cancellation is the caller's business (it knows whether
     * it asked for it), so it maps to a plain IOException.
     *
     * @param errno     the errno, positive or in the {@code -errno} form
     * @param operation what failed ({@code "connect"}), used in messages; may be null
     */
    public static IOException toException(int errno, String operation) {
        int e = Math.abs(errno);
        String op = operation == null ? "operation" : operation;
        String detail = op + " failed: " + description(e) + " (" + name(e) + ")";
        return switch (e) {
            case ECONNREFUSED -> new ConnectException("Connection refused");
            case ECONNRESET -> new SocketException("Connection reset by peer");
            case EPIPE -> new SocketException("Broken pipe");
            case ETIMEDOUT -> new SocketTimeoutException(detail);
            case EADDRINUSE -> new BindException("Address already in use");
            case EADDRNOTAVAIL -> new BindException("Cannot assign requested address");
            case ENETUNREACH -> new NoRouteToHostException("Network is unreachable");
            case EHOSTUNREACH -> new NoRouteToHostException("No route to host");
            case EBADF -> {
                var closed = new ClosedChannelException();
                closed.initCause(new IOException(detail));
                yield closed;
            }
            default -> new IOException(detail);
        };
    }
}
