package dev.ringnet.backend.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Encodes {@link InetSocketAddress} into the kernel's {@code struct sockaddr_in} /
 * {@code struct sockaddr_in6} and decodes them back.
 *
 * <p>Byte order: the family and {@code sin6_scope_id} are in host order; the port, the IPv4
 * address and {@code sin6_flowinfo} are in network (big-endian) order; the IPv6 address is 16 raw
 * bytes. Java has no flow label on {@link Inet6Address}: encoding writes 0, decoding ignores it.
 *
 * <p>Thread rules: stateless, callable from any thread; the segment passed in belongs to the caller,
 * who must respect its own confinement (a {@link Syscalls} scratch segment only on its owner thread).
 * Ownership: nothing is retained; decoded addresses are new objects owned by the caller.
 */
public final class SockAddr {
    private SockAddr() {
    }

    /** Room for any socket address ({@code sizeof(struct sockaddr_storage)}). */
    public static final long STORAGE_SIZE = 128;

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);
    // Access layouts: unaligned, so a caller's sockaddr may sit anywhere in its segment.
    private static final ValueLayout.OfShort H16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort N16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt H32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfInt N32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /**
     * {@code struct sockaddr_in} (16 bytes): {@code sin_family} (u16, host order), {@code sin_port}
     * (u16, network order), {@code sin_addr} ({@code struct in_addr}: u32 in network order),
     * {@code sin_zero} (8 bytes of zero).
     */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("sin_family"),
            NET_SHORT.withName("sin_port"),
            NET_INT.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"))
        .withName("sockaddr_in");

    /**
     * {@code struct sockaddr_in6} (28 bytes): {@code sin6_family} (u16, host order),
     * {@code sin6_port} (u16, network order), {@code sin6_flowinfo} (u32, network order),
     * {@code sin6_addr} (16 bytes), {@code sin6_scope_id} (u32, host order).
     */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("sin6_family"),
            NET_SHORT.withName("sin6_port"),
            NET_INT.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("sin6_addr"),
            ValueLayout.JAVA_INT.withName("sin6_scope_id"))
        .withName("sockaddr_in6");

    /** {@code sizeof(struct sockaddr_in)}. */
    public static final int SOCKADDR_IN_SIZE = (int) SOCKADDR_IN.byteSize();
    /** {@code sizeof(struct sockaddr_in6)}. */
    public static final int SOCKADDR_IN6_SIZE = (int) SOCKADDR_IN6.byteSize();

    private static final long FAMILY = 0;
    private static final long PORT = SOCKADDR_IN.byteOffset(MemoryLayout.PathElement.groupElement("sin_port"));
    private static final long SIN_ADDR = SOCKADDR_IN.byteOffset(MemoryLayout.PathElement.groupElement("sin_addr"));
    private static final long SIN_ZERO = SOCKADDR_IN.byteOffset(MemoryLayout.PathElement.groupElement("sin_zero"));
    private static final long FLOWINFO = SOCKADDR_IN6.byteOffset(MemoryLayout.PathElement.groupElement("sin6_flowinfo"));
    private static final long SIN6_ADDR = SOCKADDR_IN6.byteOffset(MemoryLayout.PathElement.groupElement("sin6_addr"));
    private static final long SCOPE_ID = SOCKADDR_IN6.byteOffset(MemoryLayout.PathElement.groupElement("sin6_scope_id"));

    /**
     * Writes {@code address} in its natural family: {@code sockaddr_in} for an {@link Inet4Address},
     * {@code sockaddr_in6} for an {@link Inet6Address}.
     *
     * @return the length to pass to the kernel (16 or 28)
     * @throws IllegalArgumentException if the address is unresolved or the segment too small
     */
    public static int write(InetSocketAddress address, MemorySegment segment) {
        return write(address, segment, LinuxConstants.AF_UNSPEC);
    }

    /**
     * Writes {@code address} for a socket of {@code socketFamily}: with {@link LinuxConstants#AF_INET6}
     * an IPv4 address becomes the IPv4-mapped IPv6 address {@code ::ffff:a.b.c.d} (what a dual-stack
     * IPv6 socket needs); with {@link LinuxConstants#AF_INET} or {@link LinuxConstants#AF_UNSPEC} the
     * natural family is used (an IPv6 address given to an IPv4 socket is left for the kernel to
     * reject).
     *
     * @return the length to pass to the kernel (16 or 28)
     * @throws IllegalArgumentException if the address is unresolved or the segment too small
     */
    public static int write(InetSocketAddress address, MemorySegment segment, int socketFamily) {
        InetAddress ip = address.getAddress();
        if (address.isUnresolved() || ip == null) {
            throw new IllegalArgumentException("Cannot encode unresolved address " + address.getHostString() + ":"
                    + address.getPort() + " into a sockaddr; resolve it first");
        }
        int port = address.getPort();
        if (ip instanceof Inet4Address && socketFamily != LinuxConstants.AF_INET6) {
            checkSize(segment, SOCKADDR_IN_SIZE);
            byte[] b = ip.getAddress();
            segment.set(H16, FAMILY, (short) LinuxConstants.AF_INET);
            segment.set(N16, PORT, (short) port);
            segment.set(N32, SIN_ADDR, (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, SIN_ZERO, 0L);
            return SOCKADDR_IN_SIZE;
        }
        checkSize(segment, SOCKADDR_IN6_SIZE);
        byte[] b16;
        int scope = 0;
        if (ip instanceof Inet6Address v6) {
            b16 = v6.getAddress();
            scope = v6.getScopeId();
        } else {
            byte[] b4 = ip.getAddress();
            b16 = new byte[16];
            b16[10] = (byte) 0xff;
            b16[11] = (byte) 0xff;
            System.arraycopy(b4, 0, b16, 12, 4);
        }
        segment.set(H16, FAMILY, (short) LinuxConstants.AF_INET6);
        segment.set(N16, PORT, (short) port);
        segment.set(N32, FLOWINFO, 0);
        MemorySegment.copy(b16, 0, segment, ValueLayout.JAVA_BYTE, SIN6_ADDR, 16);
        segment.set(H32, SCOPE_ID, scope);
        return SOCKADDR_IN6_SIZE;
    }

    /**
     * Decodes the socket address the kernel wrote ({@code getsockname}, {@code accept},
     * {@code recvfrom}, ...), {@code length} being the {@code socklen_t} it reported.
     *
     * <p>An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) decodes to an {@link Inet4Address},
     * as {@code java.net} does; any other IPv6 address to an {@link Inet6Address} carrying
     * {@code sin6_scope_id} when non-zero.
     *
     * @return the address, or null when {@code length} is too short for the family or the family is
     *         neither {@code AF_INET} nor {@code AF_INET6} (e.g. {@code AF_UNSPEC} from an unconnected
     *         socket)
     */
    public static InetSocketAddress read(MemorySegment segment, int length) {
        if (length < 2) {
            return null;
        }
        int family = Short.toUnsignedInt(segment.get(H16, FAMILY));
        if (family == LinuxConstants.AF_INET && length >= SOCKADDR_IN_SIZE) {
            int port = Short.toUnsignedInt(segment.get(N16, PORT));
            int a = segment.get(N32, SIN_ADDR);
            byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
            return new InetSocketAddress(byAddress(b), port);
        }
        if (family == LinuxConstants.AF_INET6 && length >= SOCKADDR_IN6_SIZE) {
            int port = Short.toUnsignedInt(segment.get(N16, PORT));
            byte[] b = new byte[16];
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, SIN6_ADDR, b, 0, 16);
            int scope = segment.get(H32, SCOPE_ID);
            InetAddress ip;
            if (isV4Mapped(b) || scope == 0) {
                ip = byAddress(b); // the JDK turns ::ffff:a.b.c.d into an Inet4Address
            } else {
                try {
                    ip = Inet6Address.getByAddress(null, b, scope);
                } catch (UnknownHostException e) {
                    throw new AssertionError("16-byte address rejected", e);
                }
            }
            return new InetSocketAddress(ip, port);
        }
        return null;
    }

    /** The {@code sa_family} field of a socket address. */
    public static int family(MemorySegment segment) {
        return Short.toUnsignedInt(segment.get(H16, FAMILY));
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("address of length " + b.length + " rejected", e);
        }
    }

    private static void checkSize(MemorySegment segment, int needed) {
        if (segment.byteSize() < needed) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes cannot hold a "
                    + needed + "-byte sockaddr");
        }
    }
}
